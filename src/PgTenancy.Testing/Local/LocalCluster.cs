using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PgTenancy.Testing.Provisioning;
using PgTenancy.Testing.Roles;
using PgTenancy.Doctor.Hardening;

namespace PgTenancy.Testing.Local;

/// <summary>
/// A throwaway cluster made from the local PostgreSQL binaries in a fresh temporary folder: TLS 1.3 with a
/// throwaway CA, SCRAM only, <c>hostssl</c> plus an explicit reject, pgaudit when installed, a free loopback port.
/// </summary>
internal sealed class LocalCluster : IServerBackend
{
    private const string AdminUser = "pgtenancy_admin";
    private const int PortAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ClusterFolder _folder;
    private readonly Process _watchdog;
    private Process _postmaster;
    private int _disposed;

    private LocalCluster(
        PostgresBinaries binaries, OsCommand commands, ClusterFolder folder, Process watchdog, Process postmaster,
        NpgsqlConnectionStringBuilder admin, bool pgAudit)
    {
        Binaries = binaries;
        Commands = commands;
        _folder = folder;
        _watchdog = watchdog;
        _postmaster = postmaster;
        AdminConnection = admin;
        PgAuditPreloaded = pgAudit;
    }

    public ServerProvider Provider => ServerProvider.LocalBinaries;

    public NpgsqlConnectionStringBuilder AdminConnection { get; }

    public bool PgAuditPreloaded { get; }

    public string? CaCertificatePath => _folder.CaCertificate;

    public string? ServerLogPath => _folder.ServerLog;

    public string? WorkingDirectory => _folder.Path;

    public IReadOnlyList<int> ProcessIds => [_postmaster.Id];

    public PostgresBinaries Binaries { get; }

    public OsCommand Commands { get; }

    public ClusterFolder Folder => _folder;

    public int WatchdogPid => _watchdog.Id;

    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken)
    {
        var binaries = PostgresBinaries.Find();
        var commands = OsCommand.ForServer();
        if (options.Port is { } requested && !LoopbackPort.IsFree(requested))
        {
            throw new PostgresServerException(
                $"Port {requested} on 127.0.0.1 is already in use, so the test server cannot listen on it. Stop what uses it, choose another port with WithPort(), or leave the port unset to get a free one.");
        }

        await OrphanGuard.ReapOrphansAsync().ConfigureAwait(false);
        var folder = ClusterFolder.Create(options.OwnerPid);
        Process? watchdog = null;
        Process? postmaster = null;
        try
        {
            watchdog = OrphanGuard.StartWatchdog(folder, options.OwnerPid);
            var password = ScramSecret.NewPassword();
            WriteCertificates(folder);
            ClusterFolder.WritePrivate(Path.Combine(folder.Path, "pwfile"), password + "\n");
            await commands.HandOverAsync(folder.Path, cancellationToken).ConfigureAwait(false);

            await commands.RunCheckedAsync(
                "initdb",
                binaries.InitDb,
                ["-D", folder.DataDirectory, "-U", AdminUser, "--pwfile", Path.Combine(folder.Path, "pwfile"),
                    "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions"],
                timeout: TimeSpan.FromMinutes(2),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            File.Delete(Path.Combine(folder.Path, "pwfile"));

            var pgAudit = options.PgAudit && binaries.PgAuditLibrary is not null;
            if (options.PgAudit && options.PgAuditRequired && !pgAudit)
            {
                throw new PostgresServerException(
                    $"pgaudit was required (WithPgAudit(required: true)) but {Path.Combine(binaries.BinDirectory, "..", "lib", "pgaudit.so")} does not exist. Install it: apt-get install postgresql-{binaries.MajorVersion}-pgaudit.");
            }

            File.WriteAllText(Path.Combine(folder.DataDirectory, "pg_hba.conf"), options.HbaOverride ?? ClusterConfiguration.PgHbaConf());
            var conf = Path.Combine(folder.DataDirectory, "postgresql.conf");
            var pristineConf = File.ReadAllText(conf);

            for (var attempt = 1; ; attempt++)
            {
                var port = options.Port ?? LoopbackPort.Free();
                File.WriteAllText(conf, pristineConf + ClusterConfiguration.PostgresqlConf(folder, port, pgAudit) + (options.ExtraSettings ?? "") + "\n");
                postmaster = commands.StartServer(binaries.Postgres, ["-D", folder.DataDirectory], folder.ServerLog);
                if (await WaitUntilReadyAsync(postmaster, folder, cancellationToken).ConfigureAwait(false))
                {
                    var cluster = new LocalCluster(binaries, commands, folder, watchdog, postmaster, AdminConnectionFor(folder, port, password), pgAudit);
                    if (pgAudit)
                    {
                        await cluster.InstallPgAuditAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return cluster;
                }

                await StopPostmasterAsync(postmaster).ConfigureAwait(false);
                var log = ServerLog.Tail(folder.ServerLog, 15);
                var portTaken = log.Contains("Address already in use", StringComparison.Ordinal);
                if (portTaken && options.Port is null && attempt < PortAttempts)
                {
                    continue; // another process took the free port between the probe and the start: try another
                }

                throw new PostgresServerException(portTaken
                    ? $"The test server could not listen on 127.0.0.1:{port}: the port is in use. Stop what uses it or choose another port. Server log ({folder.ServerLog}):\n{log}"
                    : $"The test server in {folder.Path} did not start within {StartTimeout.TotalSeconds:0} s. Last lines of its log ({folder.ServerLog}):\n{log}");
            }
        }
        catch
        {
            await ShutdownAsync(folder, watchdog, postmaster).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Stops the server (fast shutdown: sessions are terminated, as in a real restart) and starts it again on the same
    /// data and port; returns once it accepts connections. For fault-injection runs (the endurance benchmark).
    /// </summary>
    /// <exception cref="PostgresServerException">The server did not come back; the message holds its log's last lines.</exception>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        await StopPostmasterAsync(_postmaster).ConfigureAwait(false);
        _postmaster = Commands.StartServer(Binaries.Postgres, ["-D", _folder.DataDirectory], _folder.ServerLog);
        if (!await WaitUntilReadyAsync(_postmaster, _folder, cancellationToken).ConfigureAwait(false))
        {
            throw new PostgresServerException(
                $"The test server in {_folder.Path} did not come back within {StartTimeout.TotalSeconds:0} s of a restart. Last lines of its log ({_folder.ServerLog}):\n{ServerLog.Tail(_folder.ServerLog, 15)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await ShutdownAsync(_folder, _watchdog, _postmaster).ConfigureAwait(false);
    }

    /// <summary>Waits until the postmaster reports "ready" in its PID file; false if it exits or the time runs out.</summary>
    private static async Task<bool> WaitUntilReadyAsync(Process postmaster, ClusterFolder folder, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < StartTimeout && !postmaster.HasExited)
        {
            // Line 8 of postmaster.pid is the postmaster's status; "ready" once it accepts connections.
            if (ClusterFolder.ReadLines(folder.PostmasterPidFile) is { Count: >= 8 } lines
                && lines[0] == postmaster.Id.ToString(CultureInfo.InvariantCulture)
                && lines[7].Trim() == "ready")
            {
                return true;
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private static async Task ShutdownAsync(ClusterFolder folder, Process? watchdog, Process? postmaster)
    {
        if (watchdog is not null)
        {
            // First, so that it cannot race the orderly stop below.
            watchdog.Kill();
            await watchdog.WaitForExitAsync().ConfigureAwait(false);
            watchdog.Dispose();
        }

        if (postmaster is not null)
        {
            await StopPostmasterAsync(postmaster).ConfigureAwait(false);
        }

        OrphanGuard.DeleteFolder(folder.Path);
    }

    /// <summary>Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL; waits for the exit, so it is reaped.</summary>
    private static async Task StopPostmasterAsync(Process postmaster)
    {
        foreach (var (signal, wait) in new[] { ("INT", 10), ("QUIT", 5) })
        {
            if (postmaster.HasExited)
            {
                break;
            }

            ProcessLiveness.Signal(postmaster.Id, signal);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(wait));
            try
            {
                await postmaster.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (!postmaster.HasExited)
        {
            postmaster.Kill();
        }

        await postmaster.WaitForExitAsync().ConfigureAwait(false);
        postmaster.Dispose();
    }

    private async Task InstallPgAuditAsync(CancellationToken cancellationToken)
    {
        // pgaudit fills its object columns only where the extension exists; template1 passes it to every new database.
        foreach (var database in new[] { "template1", "postgres" })
        {
            var builder = new NpgsqlConnectionStringBuilder(AdminConnection.ConnectionString) { Database = database, Pooling = false };
            var connection = new NpgsqlConnection(builder.ConnectionString);
            await using var connectionScope = connection.ConfigureAwait(false);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pgaudit", connection);
            await using var commandScope = command.ConfigureAwait(false);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void WriteCertificates(ClusterFolder folder)
    {
        var certificates = DevCertificateAuthority.Create(["127.0.0.1", "localhost"], clientCommonName: null, TimeSpan.FromDays(7));
        File.WriteAllText(folder.CaCertificate, certificates.CaCertificate);
        File.WriteAllText(folder.ServerCertificate, certificates.ServerCertificate);
        ClusterFolder.WritePrivate(folder.ServerKey, certificates.ServerKey); // postgres refuses a key others can read
    }

    private static NpgsqlConnectionStringBuilder AdminConnectionFor(ClusterFolder folder, int port, string password) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Database = "postgres",
        Username = AdminUser,
        Password = password,
        SslMode = SslMode.VerifyFull,
        RootCertificate = folder.CaCertificate,
        Timeout = 15,
    };
}
