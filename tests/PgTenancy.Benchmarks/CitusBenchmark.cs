using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using PgTenancy.TestSupport;

namespace PgTenancy.Benchmarks;

/// <summary>
/// What Citus mode costs, for docs/citus.md, on one coordinator (all on this machine): bound point selects on a local
/// table of the coordinator with the default binding (the baseline: PostgreSQL as PgTenancy binds it everywhere else),
/// the same with Citus mode's shape, on a distributed table routed by the tenant predicate, and fanned out without it;
/// then a tenant's sequential scan under the InitPlan policy against the inline one Citus needs. Interleaved round by
/// round, ratios to the baseline of the same run.
/// </summary>
internal static class CitusBenchmark
{
    private const int Tenants = 100;
    private const int RowsPerTenant = 200;

    public static async Task<string> RunAsync(string coordinator, int rounds, int ops)
    {
        var schema = "pgtenancy_bench_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var appRole = schema + "_app";
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await SetUpAsync(coordinator, schema, appRole, password);
        try
        {
            var app = new NpgsqlConnectionStringBuilder(coordinator) { Username = appRole, Password = password, SearchPath = schema, MaxPoolSize = 3 }.ConnectionString;
            await using var pool = NpgsqlDataSource.Create(app);
            await using var plain = pool.WithTenancy();
            await using var citus = pool.WithTenancy(new TenancyOptions { Citus = true });
            (string Name, TenantDataSource Source, string Sql)[] variants =
            [
                ("local table, default binding (baseline)", plain, "SELECT amount FROM local_orders WHERE tenant_id = @tenant AND id = @id"),
                ("local table, Citus mode's binding", citus, "SELECT amount FROM local_orders WHERE tenant_id = @tenant AND id = @id"),
                ("distributed table, Citus mode, tenant in the query (routed: 1 task)", citus, "SELECT amount FROM orders WHERE tenant_id = @tenant AND id = @id"),
                ("distributed table, Citus mode, no tenant in the query (32 tasks)", citus, "SELECT amount FROM orders WHERE id = @id"),
            ];
            var perSecond = variants.Select(_ => new List<double>()).ToArray();
            var scans = (InitPlan: new List<double>(), Inline: new List<double>());
            for (var round = 0; round <= rounds; round++)
            {
                Console.Error.WriteLine($"round {round}…");
                for (var v = 0; v < variants.Length; v++)
                {
                    var rate = await PointSelectsPerSecondAsync(variants[v].Source, variants[v].Sql, ops, round);
                    if (round > 0)
                    {
                        perSecond[v].Add(rate);
                    }
                }

                var initPlan = await ScanMillisecondsAsync(plain, "big_initplan");
                var inline = await ScanMillisecondsAsync(plain, "big_inline");
                if (round > 0)
                {
                    scans.InitPlan.Add(initPlan);
                    scans.Inline.Add(inline);
                }
            }

            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"{rounds} rounds of {ops} bound point selects per variant after a warm-up round, {Tenants} tenants x {RowsPerTenant} rows, 32 shards on 2 workers:");
            text.AppendLine();
            text.AppendLine("| variant | selects/s, median | ÷ baseline |");
            text.AppendLine("|---|---:|---:|");
            var baseline = Report.Median(perSecond[0]);
            for (var v = 0; v < variants.Length; v++)
            {
                var median = Report.Median(perSecond[v]);
                text.AppendLine(CultureInfo.InvariantCulture, $"| {variants[v].Name} | {median:0} | {median / baseline:0.00}× |");
            }

            text.AppendLine();
            text.AppendLine("| a tenant's sequential scan of 200 000 rows (2 000 its own), local table | ms, median | ÷ InitPlan |");
            text.AppendLine("|---|---:|---:|");
            var initPlanMedian = Report.Median(scans.InitPlan);
            text.AppendLine(CultureInfo.InvariantCulture, $"| policy with the InitPlan form `(SELECT NULLIF(current_setting(…), '')::uuid)` | {initPlanMedian:0.0} | 1.00× |");
            text.AppendLine(CultureInfo.InvariantCulture, $"| policy with the inline form Citus needs `NULLIF(current_setting(…), '')::uuid` | {Report.Median(scans.Inline):0.0} | {Report.Median(scans.Inline) / initPlanMedian:0.00}× |");
            return text.ToString();
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Db.ExecuteAsync(coordinator, $"""DROP SCHEMA IF EXISTS "{schema}" CASCADE; DROP ROLE IF EXISTS "{appRole}" """);
        }
    }

    private static async Task SetUpAsync(string coordinator, string schema, string appRole, string password)
    {
        string Policy(string table, bool citus) =>
            new TenantIsolationPolicy(table, "tenant_id") { Schema = schema, AppRoles = [appRole], Citus = citus }.EnableSql();
        var tenants = $"(SELECT ('00000000-0000-4000-8000-' || lpad(t::text, 12, '0'))::uuid AS tenant FROM generate_series(1, {Tenants}) t) t";
        await Db.ExecuteAsync(coordinator, $"""
            BEGIN;
            CREATE ROLE "{appRole}" LOGIN PASSWORD '{password}';
            CREATE SCHEMA "{schema}";
            SET search_path = "{schema}";
            CREATE TABLE local_orders (tenant_id uuid NOT NULL, id bigint NOT NULL, amount int NOT NULL, PRIMARY KEY (tenant_id, id));
            CREATE TABLE orders (tenant_id uuid NOT NULL, id bigint NOT NULL, amount int NOT NULL, PRIMARY KEY (tenant_id, id));
            CREATE TABLE big_initplan (tenant_id uuid NOT NULL, id bigint NOT NULL, amount int NOT NULL);
            CREATE TABLE big_inline (tenant_id uuid NOT NULL, id bigint NOT NULL, amount int NOT NULL);
            SELECT create_distributed_table('orders', 'tenant_id');
            {Policy("local_orders", citus: false)}
            {Policy("orders", citus: true)}
            {Policy("big_initplan", citus: false)}
            {Policy("big_inline", citus: true)}
            GRANT USAGE ON SCHEMA "{schema}" TO "{appRole}";
            GRANT SELECT ON local_orders, orders, big_initplan, big_inline TO "{appRole}";
            INSERT INTO local_orders SELECT tenant, g, g FROM {tenants}, generate_series(1, {RowsPerTenant}) g;
            INSERT INTO orders SELECT tenant, g, g FROM {tenants}, generate_series(1, {RowsPerTenant}) g;
            INSERT INTO big_initplan SELECT tenant, g, g FROM {tenants}, generate_series(1, 2000) g;
            INSERT INTO big_inline SELECT tenant_id, id, amount FROM big_initplan;
            COMMIT;
            ANALYZE "{schema}".local_orders, "{schema}".big_initplan, "{schema}".big_inline;
            """);
    }

    private static async Task<double> PointSelectsPerSecondAsync(TenantDataSource dataSource, string sql, int ops, int seed)
    {
        var random = new Random(seed);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < ops; i++)
        {
            var tenant = TenantId.Parse($"00000000-0000-4000-8000-{random.Next(1, Tenants + 1):D12}");
            using var scope = TenantScope.Begin(tenant);
            await using var command = dataSource.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter("tenant", Guid.Parse(tenant.Value)));
            command.Parameters.Add(new NpgsqlParameter("id", (long)random.Next(1, RowsPerTenant + 1)));
            _ = await command.ExecuteScalarAsync();
        }

        return ops / watch.Elapsed.TotalSeconds;
    }

    private static async Task<double> ScanMillisecondsAsync(TenantDataSource dataSource, string table)
    {
        using var scope = TenantScope.Begin(TenantId.Parse("00000000-0000-4000-8000-000000000007"));
        var watch = Stopwatch.StartNew();
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {table}");
        var rows = (long)(await command.ExecuteScalarAsync())!;
        return rows == 2000 ? watch.Elapsed.TotalMilliseconds : throw new InvalidOperationException($"{table}: the tenant saw {rows} rows, not 2000.");
    }
}
