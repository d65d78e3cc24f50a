using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;

namespace PgTenancy.Benchmarks;

/// <summary>
/// Cases per second of TenantIsolation.VerifyAsync on the five-table shop, directly and through PgBouncer, and with an
/// audit trigger (which makes the kit read every table back after each step), against the same number of cases on a
/// one-table model (the baseline: reset, seed and oracles of the smallest model), interleaved round by round.
/// </summary>
internal static class IsolationKitBenchmark
{
    public static async Task<string> RunAsync(int cases, int rounds)
    {
        await using var server = await PostgresServer.StartAsync(b => b.WithPgBouncer());
        await using var one = await server.CreateDatabaseAsync("kit_one_table");
        await using var five = await server.CreateDatabaseAsync("kit_five_tables");
        await ShopSchema.CreateAsync(one, TenantIdKind.Uuid, ["notes"]);
        await ShopSchema.CreateAsync(five, TenantIdKind.Uuid, ShopSchema.Tables);
        await using var audited = await server.CreateDatabaseAsync("kit_audited");
        await ShopSchema.CreateAsync(audited, TenantIdKind.Uuid, ShopSchema.Tables);
        await Db.ExecuteAsync(audited.AdminConnectionString, ShopSchema.AuditTrail(audited.OwnerRole, audited.AppRole));

        var variants = new (string Name, TestDatabase Database, string[] Tables, bool PgBouncer)[]
        {
            ("baseline: 1 table, direct", one, ["notes"], false),
            ("5 tables, direct", five, ShopSchema.Tables, false),
            ("5 tables, through PgBouncer", five, ShopSchema.Tables, true),
            ("5 tables + audit trigger (each step attributed), direct", audited, [.. ShopSchema.Tables, "audit"], false),
        };
        var times = variants.Select(_ => new List<double>()).ToArray();
        var operations = new int[variants.Length];
        for (var round = 0; round <= rounds; round++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                var (name, database, tables, pgBouncer) = variants[v];
                Console.Error.WriteLine($"round {round}: {name}…");
                var (seconds, ops) = await TimeAsync(database, tables, pgBouncer, cases);
                if (round > 0)
                {
                    // Round 0 warms up the JIT, the pools and the catalog caches; it is not reported.
                    times[v].Add(seconds);
                    operations[v] = ops;
                }
            }
        }

        return Markdown(cases, rounds, variants.Select(v => v.Name).ToArray(), times, operations, server.Describe());
    }

    private static async Task<(double Seconds, int Operations)> TimeAsync(TestDatabase database, string[] tables, bool pgBouncer, int cases)
    {
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString(TestRole.App, pgBouncer)) { MaxPoolSize = 3 };
        await using var pool = NpgsqlDataSource.Create(builder.ConnectionString);
        await using var app = pool.WithTenancy();
        var clock = Stopwatch.StartNew();
        var report = await TenantIsolation.VerifyAsync(app, tables.Select(t => new TenantTable(t)), new IsolationOptions
        {
            OracleConnectionString = database.AdminConnectionString,
            Cases = cases,
            TimeBudget = null,
        });
        return (clock.Elapsed.TotalSeconds, report.Operations);
    }

    private static string Markdown(int cases, int rounds, string[] names, List<double>[] times, int[] operations, string server)
    {
        var baseline = Report.Median(times[0]);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{cases} cases per run, {rounds} rounds after a warm-up round; {server}");
        text.AppendLine();
        text.AppendLine("| model | median time | min–max | cases/s | operations per run | ratio to baseline |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        for (var v = 0; v < names.Length; v++)
        {
            var median = Report.Median(times[v]);
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {names[v]} | {median:0.0} s | {times[v].Min():0.0}–{times[v].Max():0.0} s | {cases / median:0} | {operations[v]} | {median / baseline:0.00}× |");
        }

        return text.ToString();
    }
}
