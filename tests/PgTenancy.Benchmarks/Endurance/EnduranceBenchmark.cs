using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;

namespace PgTenancy.Benchmarks.Endurance;

/// <summary>
/// The endurance run: many randomized operations of many tenants over small pools, unsigned and signed, directly and
/// through PgBouncer, with faults injected throughout — failing statements, errors inside transactions, rollbacks,
/// cancels, terminated backends (the operation's own, and others at random), PgBouncer restarted twice and
/// PostgreSQL restarted once — and every operation checked by <see cref="LedgerOracle"/>. Reports operations, faults,
/// violations (which must be 0) and the recovery time after each restart.
/// </summary>
internal static class EnduranceBenchmark
{
    private static readonly string[] Tables = ["ledger", "signed_ledger"];

    public static async Task<string> RunAsync(long operations, int tenantCount, int workers, int poolSize)
    {
        Console.Error.WriteLine($"Endurance: {operations:N0} operations per endpoint, {tenantCount} tenants, {workers} workers, pools of {poolSize}…");
        await using var server = await PostgresServer.StartAsync(b => b.WithPgBouncer());
        await using var database = await server.CreateDatabaseAsync("endurance");
        var key = TenantSigningKey.Generate(1);
        await SetUpAsync(database, key);
        var tenants = Enumerable.Range(1, tenantCount).Select(i => new Guid($"{i:x8}-0000-4000-8000-00000000e000")).ToArray();

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Server: {server.Describe()}");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"{operations:N0} operations per endpoint, {tenantCount} tenants, {workers} concurrent workers, app pool of {poolSize} connections shared by the unsigned (`ledger`) and signed (`signed_ledger`, verified policy) data sources.");
        foreach (var throughPgBouncer in new[] { false, true })
        {
            var counters = await RunPhaseAsync(server, database, key, tenants, throughPgBouncer, operations, workers, poolSize);
            report.AppendLine().Append(Section(throughPgBouncer ? "PgBouncer" : "direct", counters));
        }

        return report.ToString();
    }

    private static async Task<EnduranceCounters> RunPhaseAsync(
        PostgresServer server, TestDatabase database, TenantSigningKey key, Guid[] tenants, bool throughPgBouncer, long operations, int workers, int poolSize)
    {
        var endpoint = throughPgBouncer ? "PgBouncer" : "direct";
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString(TestRole.App, throughPgBouncer)) { MaxPoolSize = poolSize, Timeout = 5, CommandTimeout = 15 };
        await using var app = NpgsqlDataSource.Create(builder.ConnectionString);
        await using var admin = NpgsqlDataSource.Create(database.AdminConnectionString);
        await Db.ExecuteAsync(database.AdminConnectionString, "TRUNCATE ledger, signed_ledger");
        var stores = new[]
        {
            new LedgerStore("ledger", new TenantDataSource(app)),
            new LedgerStore("signed_ledger", new TenantDataSource(app, new TenancyOptions { SigningKey = key })),
        };
        var oracle = new LedgerOracle(Tables, tenants);
        var counters = new EnduranceCounters();
        var workload = new EnduranceWorkload(stores, app, admin, oracle, tenants, counters);

        long issued = 0;
        bool Issue() => Interlocked.Increment(ref issued) <= operations;
        long Done() => Math.Min(Interlocked.Read(ref issued), operations);

        var watch = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        // One PostgreSQL restart in the direct phase, two PgBouncer restarts in the PgBouncer phase.
        var restarts = throughPgBouncer
            ? new[] { (At: operations / 3, What: "PgBouncer"), (At: 2 * operations / 3, What: "PgBouncer") }
            : [(At: operations / 2, What: "PostgreSQL")];
        var restarter = RestartAsync(server, restarts, Done, counters, stop.Token);
        var killer = TerminateAtRandomAsync(admin, database.AppRole, counters, stop.Token);
        var progress = ProgressAsync(endpoint, Done, operations, counters, stop.Token);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => workload.RunWorkerAsync((throughPgBouncer ? 1000 : 0) + w, Issue))));
        var elapsed = watch.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(restarter, killer, progress);

        // The audit reads past RLS on fresh connections: pooled ones may be those a restart or a terminate broke.
        NpgsqlConnection.ClearAllPools();
        foreach (var slot in oracle.Slots)
        {
            await workload.AuditAsync(slot);
        }

        foreach (var table in Tables)
        {
            var foreign = await Db.ScalarAsync<long>(database.AdminConnectionString, $"SELECT count(*) FROM {table} WHERE writer <> tenant_id");
            if (foreign != 0)
            {
                counters.Violation($"final audit: {foreign} rows of {table} were written in another tenant's scope");
            }
        }

        counters.Elapsed = elapsed;
        return counters;
    }

    private static async Task RestartAsync(PostgresServer server, (long At, string What)[] restarts, Func<long> done, EnduranceCounters counters, CancellationToken stop)
    {
        foreach (var (at, what) in restarts)
        {
            while (done() < at)
            {
                await Task.Delay(20, CancellationToken.None);
                if (stop.IsCancellationRequested)
                {
                    return;
                }
            }

            var began = Stopwatch.GetTimestamp();
            if (what == "PostgreSQL")
            {
                await server.RestartPostgresAsync(CancellationToken.None);
            }
            else
            {
                await server.RestartPgBouncerAsync();
            }

            var back = Stopwatch.GetTimestamp();
            while (counters.LastSuccess <= back && !stop.IsCancellationRequested)
            {
                await Task.Delay(1, CancellationToken.None);
            }

            counters.Restarts.Enqueue((what, Stopwatch.GetElapsedTime(began, back), Stopwatch.GetElapsedTime(back, Math.Max(back, counters.LastSuccess))));
        }
    }

    // Other sessions' backends terminated while they work, as a failover or an administrator would.
    private static async Task TerminateAtRandomAsync(NpgsqlDataSource admin, string appRole, EnduranceCounters counters, CancellationToken stop)
    {
        var random = new Random(7);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(random.Next(200, 800), stop);
                await using var command = admin.CreateCommand(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM (SELECT pid FROM pg_stat_activity WHERE usename = $1 AND state = 'active' ORDER BY random() LIMIT 1) s");
                command.Parameters.Add(new NpgsqlParameter { Value = appRole });
                counters.Inject("another session's backend terminated", (long)(await command.ExecuteScalarAsync(stop))!);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException)
            {
                // The server is restarting: try again later.
            }
        }
    }

    private static async Task ProgressAsync(string endpoint, Func<long> done, long operations, EnduranceCounters counters, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(15), stop);
                Console.Error.WriteLine($"{endpoint}: {done():N0}/{operations:N0} operations, {counters.Failed:N0} failed, {counters.Violations} violations");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task SetUpAsync(TestDatabase database, TenantSigningKey key)
    {
        var unsigned = new TenantIsolationPolicy("ledger", "tenant_id") { Schema = "public", AppRoles = [database.AppRole] };
        var verified = new TenantIsolationPolicy("signed_ledger", "tenant_id") { Schema = "public", AppRoles = [database.AppRole], Verified = true };
        await using (var owner = NpgsqlDataSource.Create(database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallVerificationAsync(owner);
            await TenantSigningKeys.AddAsync(owner, key);
        }

        await Db.ExecuteAsync(database.OwnerConnectionString, $"""
            CREATE TABLE public.ledger (tenant_id uuid NOT NULL, id bigint NOT NULL, val int NOT NULL, writer uuid NOT NULL, PRIMARY KEY (tenant_id, id));
            {unsigned.EnableSql()}
            CREATE TABLE public.signed_ledger (LIKE public.ledger INCLUDING ALL);
            {verified.EnableSql()}
            GRANT SELECT, INSERT, UPDATE, DELETE ON public.ledger, public.signed_ledger TO "{database.AppRole}";
            """);
    }

    private static string Section(string endpoint, EnduranceCounters counters)
    {
        var text = new StringBuilder();
        var total = counters.Succeeded + counters.Failed;
        text.AppendLine(CultureInfo.InvariantCulture, $"**{endpoint}**: {total:N0} operations in {counters.Elapsed.TotalSeconds:0} s ({total / counters.Elapsed.TotalSeconds:0} ops/s): {counters.Succeeded:N0} succeeded, {counters.Failed:N0} failed under faults; **{counters.Violations} violations**; {counters.Unexpected} unexpected errors.");
        text.AppendLine();
        text.AppendLine("| faults injected | count |");
        text.AppendLine("|---|---:|");
        foreach (var (fault, count) in counters.Injected.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {fault} | {count:N0} |");
        }

        foreach (var (what, restart, recovery) in counters.Restarts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {what} restarted (took {restart.TotalMilliseconds:0} ms; first successful operation {recovery.TotalMilliseconds:0} ms after it was back) | 1 |");
        }

        text.AppendLine();
        text.AppendLine("| operations failed, by cause | count |");
        text.AppendLine("|---|---:|");
        foreach (var (cause, count) in counters.FailuresByCause.OrderByDescending(f => f.Value))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {cause} | {count:N0} |");
        }

        foreach (var sample in counters.ViolationSamples)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- violation: {sample}");
        }

        foreach (var sample in counters.UnexpectedSamples)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- unexpected error: {sample.ReplaceLineEndings(" ")}");
        }

        return text.ToString();
    }
}
