using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using PgTenancy.Doctor;
using PgTenancy.Testing;
using PgTenancy.TestSupport;

namespace PgTenancy.Benchmarks;

/// <summary>
/// How long a full doctor run takes on a database with many tenant tables, against the same run on a database with
/// none (the baseline: connection, privilege probe and the server-wide checks), interleaved round by round.
/// </summary>
internal static class DoctorBenchmark
{
    public static async Task<string> RunAsync(int tables, int rounds)
    {
        await using var server = await PostgresServer.StartAsync();
        var large = await server.CreateDatabaseAsync("doctor_large");
        var empty = await server.CreateDatabaseAsync("doctor_empty");
        await using (large)
        await using (empty)
        {
            Console.Error.WriteLine($"Creating {tables} tenant tables…");
            await CreateTenantTablesAsync(large, tables);
            await using var largeSource = NpgsqlDataSource.Create(large.AdminConnectionString);
            await using var emptySource = NpgsqlDataSource.Create(empty.AdminConnectionString);

            var largeTimes = new List<double>();
            var emptyTimes = new List<double>();
            for (var round = 0; round <= rounds; round++)
            {
                var (emptyMs, _) = await TimeAsync(emptySource, empty.AppRole);
                var (largeMs, report) = await TimeAsync(largeSource, large.AppRole);
                if (report.Findings.FirstOrDefault(f => f.CheckId.StartsWith("RLS", StringComparison.Ordinal)) is { } finding)
                {
                    throw new InvalidOperationException($"The benchmark schema should pass every RLS check: {finding.CheckId} {finding.Subject}: {finding.Message}");
                }

                if (round > 0)
                {
                    // Round 0 warms up the catalog caches and the JIT; it is not reported.
                    largeTimes.Add(largeMs);
                    emptyTimes.Add(emptyMs);
                }
            }

            return Markdown(tables, rounds, largeTimes, emptyTimes, server.Describe());
        }
    }

    private static async Task CreateTenantTablesAsync(TestDatabase database, int tables)
    {
        // Each table as the doctor wants it, chained by composite foreign keys so RLS-08 has work to do.
        var sql = new StringBuilder();
        for (var i = 0; i < tables; i++)
        {
            var parent = i == 0 ? "" : $", parent_id bigint, FOREIGN KEY (tenant_id, parent_id) REFERENCES public.t{i - 1} (tenant_id, id)";
            sql.Append(CultureInfo.InvariantCulture, $"""
                CREATE TABLE public.t{i} (tenant_id uuid NOT NULL, id bigint NOT NULL, code text NOT NULL{parent},
                                         PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, code));
                {new TenantIsolationPolicy($"t{i}", "tenant_id") { Schema = "public", AppRoles = [database.AppRole] }.EnableSql()}

                """);
            if (i > 0)
            {
                sql.Append(CultureInfo.InvariantCulture, $"CREATE INDEX ON public.t{i} (tenant_id, parent_id);\n");
            }

            if (i % 100 == 99 || i == tables - 1)
            {
                await Db.ExecuteAsync(database.OwnerConnectionString, sql.ToString());
                sql.Clear();
            }
        }

        await Db.ExecuteAsync(database.OwnerConnectionString, TenantRoles.GrantDml(database.AppRole, "public"));
    }

    private static async Task<(double Milliseconds, DoctorReport Report)> TimeAsync(NpgsqlDataSource dataSource, string appRole)
    {
        var stopwatch = Stopwatch.StartNew();
        var report = await TenancyDoctor.RunAsync(dataSource, new DoctorOptions { AppRole = appRole });
        return (stopwatch.Elapsed.TotalMilliseconds, report);
    }

    private static string Markdown(int tables, int rounds, List<double> large, List<double> empty, string server)
    {
        var ratios = large.Zip(empty, (l, e) => l / e).ToList();
        static string Ms(double value) => value.ToString("0", CultureInfo.InvariantCulture);
        static string X(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
        return $"""
            Server: {server}
            Rounds: {rounds} (after one warm-up), each runs both databases; every RLS check passed on all {tables} tenant tables

            | database | median | min–max |
            |---|---:|---:|
            | baseline: no tables | {Ms(Report.Median(empty))} ms | {Ms(empty.Min())}–{Ms(empty.Max())} ms |
            | {tables} tenant tables | {Ms(Report.Median(large))} ms | {Ms(large.Min())}–{Ms(large.Max())} ms |
            | ratio {tables} tables / baseline | {X(Report.Median(ratios))}× | {X(ratios.Min())}–{X(ratios.Max())}× |
            """;
    }
}
