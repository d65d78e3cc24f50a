using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PgTenancy.Testing.Local;
using Xunit;

namespace PgTenancy.Testing.Tests;

/// <summary>Servers started here are this class's own, not the assembly's shared one.</summary>
public sealed class LifecycleTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dispose_stops_every_process_it_started_and_deletes_its_folder()
    {
        var server = await PostgresServer.StartAsync(b => b.WithPgBouncer(), Cancellation);
        var pids = server.ProcessIds.Append(server.WatchdogProcessId!.Value).ToList();
        var folder = server.WorkingDirectory!;
        Assert.Equal(3, pids.Count);
        Assert.All(pids, pid => Assert.True(ProcessLiveness.IsAlive(pid), $"PID {pid} should run before dispose"));

        await server.DisposeAsync();

        Assert.Empty(await ProcessLiveness.WaitForExitAsync(pids, TimeSpan.FromSeconds(5)));
        Assert.False(Directory.Exists(folder), $"{folder} should be deleted");
    }

    [Fact]
    public async Task When_the_owner_process_dies_the_watchdog_stops_the_server_and_deletes_its_folder()
    {
        using var owner = Process.Start(new ProcessStartInfo("sleep", ["300"]) { UseShellExecute = false })!;
        var server = await PostgresServer.StartAsync(b => b.WithPgBouncer().WithOwnerProcess(owner.Id), Cancellation);
        var pids = server.ProcessIds.ToList();
        var folder = server.WorkingDirectory!;
        try
        {
            owner.Kill(); // SIGKILL: the owner gets no chance to clean up
            await owner.WaitForExitAsync(Cancellation);

            Assert.Empty(await ProcessLiveness.WaitForExitAsync(pids, TimeSpan.FromSeconds(20)));
            Assert.True(await WaitUntilAsync(() => !Directory.Exists(folder), TimeSpan.FromSeconds(10)), $"{folder} should be deleted");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_start_reaps_a_cluster_whose_owner_and_watchdog_are_gone()
    {
        using var owner = Process.Start(new ProcessStartInfo("sleep", ["300"]) { UseShellExecute = false })!;
        var orphan = await PostgresServer.StartAsync(b => b.WithOwnerProcess(owner.Id), Cancellation);
        var orphanPids = orphan.ProcessIds.ToList();
        var orphanFolder = orphan.WorkingDirectory!;
        ProcessLiveness.Signal(orphan.WatchdogProcessId!.Value, "KILL");
        owner.Kill();
        await owner.WaitForExitAsync(Cancellation);
        Assert.All(orphanPids, pid => Assert.True(ProcessLiveness.IsAlive(pid), "the orphan should still run before the reaper"));

        await using (var next = await PostgresServer.StartAsync(cancellationToken: Cancellation))
        {
            Assert.Empty(await ProcessLiveness.WaitForExitAsync(orphanPids, TimeSpan.FromSeconds(1)));
            Assert.False(Directory.Exists(orphanFolder));
        }

        await orphan.DisposeAsync(); // already reaped: must not fail
    }

    [Fact]
    public async Task A_port_in_use_is_an_error_that_names_the_port()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<PostgresServerException>(
            () => PostgresServer.StartAsync(b => b.WithPort(port), Cancellation));

        Assert.Contains($"Port {port}", error.Message);
        Assert.Contains("in use", error.Message);
    }

    [Fact]
    public async Task A_server_on_a_fixed_free_port_listens_there()
    {
        var port = LoopbackPort.Free();

        await using var server = await PostgresServer.StartAsync(b => b.WithPort(port).WithPgAudit(false), Cancellation);

        Assert.Contains($"127.0.0.1:{port}", server.Describe());
        Assert.False(server.PgAuditEnabled);
        Assert.False(server.HasPgBouncer);
    }

    private static async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(100, Cancellation);
        }

        return true;
    }

    [Fact]
    public async Task A_restarted_server_and_pgbouncer_come_back_on_their_ports_and_dispose_still_stops_both()
    {
        var server = await PostgresServer.StartAsync(b => b.WithPgBouncer(), Cancellation);
        var database = await server.CreateDatabaseAsync(cancellationToken: Cancellation);
        var (postmaster, pgBouncer) = (server.ProcessIds[0], server.ProcessIds[1]);
        try
        {
            await server.RestartPostgresAsync(Cancellation);
            await server.RestartPgBouncerAsync();

            Assert.NotEqual(postmaster, server.ProcessIds[0]);
            Assert.NotEqual(pgBouncer, server.ProcessIds[1]);
            Assert.False(ProcessLiveness.IsAlive(postmaster));
            Assert.False(ProcessLiveness.IsAlive(pgBouncer));
            foreach (var throughPgBouncer in new[] { false, true })
            {
                await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString(TestRole.App, throughPgBouncer) + ";Pooling=false");
                await connection.OpenAsync(Cancellation);
                await using var command = new Npgsql.NpgsqlCommand("SELECT 1", connection);
                Assert.Equal(1, await command.ExecuteScalarAsync(Cancellation));
            }
        }
        finally
        {
            await database.DisposeAsync();
            var pids = server.ProcessIds.ToList();
            await server.DisposeAsync();
            Assert.Empty(await ProcessLiveness.WaitForExitAsync(pids, TimeSpan.FromSeconds(5)));
        }
    }
}
