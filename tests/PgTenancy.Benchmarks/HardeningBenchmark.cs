using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;

namespace PgTenancy.Benchmarks;

/// <summary>
/// What the hardening costs, for docs/hardening.md: TLS against plain TCP on the same server (pooled queries and new
/// connections per second, interleaved round by round), and how many bytes pgaudit writes per statement with the
/// generated settings (session audit of writes, object audit of one table, tenant in application_name).
/// </summary>
internal static class HardeningBenchmark
{
    private const string PlainAndTls = """
        hostssl all all 127.0.0.1/32 scram-sha-256
        hostnossl all all 127.0.0.1/32 scram-sha-256
        host all all all reject
        """;

    public static async Task<string> RunAsync(int rounds, int ops)
    {
        await using var server = await PostgresServer.StartAsync(b => b.WithConfigurationOverrides(
            "pgaudit.log = 'ddl, write, role'\npgaudit.log_relation = on\npgaudit.log_statement_once = on\npgaudit.role = 'bench_auditor'\nlog_line_prefix = '%m [%p] %q%u@%d app=%a '\n", PlainAndTls));
        await using var database = await server.CreateDatabaseAsync("hardening_bench");
        await Db.ExecuteAsync(database.OwnerConnectionString, """
            CREATE TABLE public.audited (tenant_id uuid NOT NULL, id bigint NOT NULL, body text, PRIMARY KEY (tenant_id, id));
            CREATE TABLE public.plain (tenant_id uuid NOT NULL, id bigint NOT NULL, body text, PRIMARY KEY (tenant_id, id));
            """);
        await Db.ExecuteAsync(database.AdminConnectionString, $"""
            CREATE ROLE bench_auditor NOLOGIN;
            GRANT SELECT, INSERT, UPDATE, DELETE ON public.audited TO bench_auditor;
            GRANT SELECT, INSERT, UPDATE, DELETE ON public.audited, public.plain TO "{database.AppRole}";
            INSERT INTO public.audited SELECT 'aaaaaaaa-0000-4000-8000-000000000001', g, 'row ' || g FROM generate_series(1, 1000) g;
            INSERT INTO public.plain SELECT 'aaaaaaaa-0000-4000-8000-000000000001', g, 'row ' || g FROM generate_series(1, 1000) g;
            """);

        await using (var owner = NpgsqlDataSource.Create(database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner);
        }

        var tls = new NpgsqlConnectionStringBuilder(database.AppConnectionString);
        var plain = new NpgsqlConnectionStringBuilder(database.AppConnectionString) { SslMode = SslMode.Disable };
        var pooled = (Tls: new List<double>(), Plain: new List<double>());
        var opened = (Tls: new List<double>(), Plain: new List<double>());
        for (var round = 0; round <= rounds; round++)
        {
            Console.Error.WriteLine($"round {round}…");
            var results = (
                PooledTls: await QueriesPerSecondAsync(tls.ConnectionString, ops),
                PooledPlain: await QueriesPerSecondAsync(plain.ConnectionString, ops),
                OpenTls: await ConnectionsPerSecondAsync(tls.ConnectionString, ops / 10),
                OpenPlain: await ConnectionsPerSecondAsync(plain.ConnectionString, ops / 10));
            if (round > 0)
            {
                pooled.Tls.Add(results.PooledTls);
                pooled.Plain.Add(results.PooledPlain);
                opened.Tls.Add(results.OpenTls);
                opened.Plain.Add(results.OpenPlain);
            }
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{rounds} rounds after a warm-up round; {server.Describe()}");
        text.AppendLine();
        text.AppendLine("| what | plain TCP, median | TLS 1.3, median | TLS ÷ plain |");
        text.AppendLine("|---|---:|---:|---:|");
        Row(text, $"pooled point queries/s ({ops} per round)", pooled.Plain, pooled.Tls);
        Row(text, $"new connections/s, SCRAM ({ops / 10} per round)", opened.Plain, opened.Tls);
        text.AppendLine();
        text.AppendLine("| statement (pgaudit: ddl, write, role; object audit of `audited`) | log bytes per statement |");
        text.AppendLine("|---|---:|");
        foreach (var (name, sql, bound) in new[]
        {
            ("SELECT by key from a table without object audit", "SELECT body FROM public.plain WHERE tenant_id = 'aaaaaaaa-0000-4000-8000-000000000001' AND id = {0}", false),
            ("SELECT by key from the object-audited table", "SELECT body FROM public.audited WHERE tenant_id = 'aaaaaaaa-0000-4000-8000-000000000001' AND id = {0}", false),
            ("UPDATE by key (session audit: write)", "UPDATE public.plain SET body = 'changed' WHERE tenant_id = 'aaaaaaaa-0000-4000-8000-000000000001' AND id = {0}", false),
            ("UPDATE by key, bound with the tenant in application_name", "UPDATE public.plain SET body = 'changed again' WHERE tenant_id = 'aaaaaaaa-0000-4000-8000-000000000001' AND id = {0}", true),
        })
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {await LogBytesPerStatementAsync(server, database, sql, bound, 500):0} |");
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string what, List<double> plain, List<double> tls) =>
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {what} | {Report.Median(plain):0} | {Report.Median(tls):0} | {Report.Median(tls.Zip(plain, (a, b) => a / b).ToList()):0.00}× |");

    private static async Task<double> QueriesPerSecondAsync(string connectionString, int ops)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < ops; i++)
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("SELECT body FROM public.plain WHERE tenant_id = 'aaaaaaaa-0000-4000-8000-000000000001' AND id = $1", connection)
            {
                Parameters = { new() { Value = (long)((i % 1000) + 1) } },
            };
            await command.ExecuteScalarAsync();
        }

        return ops / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> ConnectionsPerSecondAsync(string connectionString, int count)
    {
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            await using var connection = new NpgsqlConnection(unpooled);
            await connection.OpenAsync();
        }

        return count / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double> LogBytesPerStatementAsync(PostgresServer server, TestDatabase database, string sql, bool bound, int count)
    {
        await using var pool = NpgsqlDataSource.Create(database.AppConnectionString);
        await using var tenantBound = pool.WithTenancy(new TenancyOptions { TenantInApplicationName = true, RefuseBypassRoles = false });
        await Task.Delay(300);
        var before = new FileInfo(server.LogFilePath!).Length;
        for (var i = 0; i < count; i++)
        {
            var text = string.Format(CultureInfo.InvariantCulture, sql, (i % 1000) + 1);
            if (bound)
            {
                using var scope = TenantScope.Begin(TenantId.Parse("aaaaaaaa-0000-4000-8000-000000000001"));
                await using var connection = await tenantBound.OpenConnectionAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = text;
                await command.ExecuteNonQueryAsync();
            }
            else
            {
                await using var connection = await pool.OpenConnectionAsync();
                await using var command = new NpgsqlCommand(text, connection);
                await command.ExecuteNonQueryAsync();
            }
        }

        await Task.Delay(300);
        return (new FileInfo(server.LogFilePath!).Length - before) / (double)count;
    }
}
