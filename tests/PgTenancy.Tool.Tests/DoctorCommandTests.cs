using System.Text.Json;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tool.Tests;

/// <summary><c>pgtenancy doctor</c> against a real server: exit codes, formats, errors.</summary>
public sealed class DoctorCommandTests(ServerFixture server) : IAsyncLifetime
{
    private TestDatabase? _database;

    private TestDatabase Database => _database!;

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync();
        await Db.ExecuteAsync(Database.OwnerConnectionString, $"""
            CREATE TABLE public.orders (tenant_id uuid NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
            {new TenantIsolationPolicy("orders", "tenant_id") { Schema = "public", AppRoles = [Database.AppRole] }.EnableSql()}
            {TenantRoles.GrantDml(Database.AppRole, "public")}
            """);
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_hardened_database_exits_0_with_a_readable_table()
    {
        // The test server keeps no WAL archive (BAK-01) and sets no pgaudit.role (AUD-02); this database binds tenants unsigned
        // (SIG-01) and leaves session statistics readable (SES-01): all medium, below the default --fail-on high.
        var (exit, output, error) = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole);

        Assert.True(exit == 0, output + error);
        Assert.Contains("pass  RLS-01", output);
        Assert.Contains("FAIL  BAK-01", output);
        Assert.Contains("FAIL  AUD-02", output);
        Assert.Contains("FAIL  SIG-01", output);
        Assert.Contains("FAIL  SES-01", output);
        Assert.Contains("4 failed, 0 not checked", output);
        Assert.DoesNotContain("\u001b[", output);
    }

    [Fact]
    public async Task Findings_at_or_above_fail_on_exit_1_and_below_it_exit_0()
    {
        await Db.ExecuteAsync(Database.OwnerConnectionString, "CREATE TABLE public.forgotten (tenant_id uuid NOT NULL, id int, PRIMARY KEY (tenant_id, id))");
        try
        {
            var failing = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--fail-on", "critical");
            var json = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--format", "json");
            var again = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--format", "json");

            Assert.Equal(1, failing.Exit);
            Assert.Contains("FAIL  RLS-01", failing.Output);
            Assert.Contains("public.forgotten: row-level security is off", failing.Output);
            using var document = JsonDocument.Parse(json.Output);
            var rls01 = document.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "RLS-01");
            Assert.Equal("failed", rls01.GetProperty("status").GetString());
            Assert.Equal("public.forgotten", rls01.GetProperty("findings")[0].GetProperty("object").GetString());
            Assert.Equal(json.Output, again.Output); // stable across runs
        }
        finally
        {
            await Db.ExecuteAsync(Database.OwnerConnectionString, "DROP TABLE public.forgotten");
        }
    }

    [Fact]
    public async Task JSON_is_the_same_across_runs_of_an_unchanged_server()
    {
        var first = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--format", "json");
        var second = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--format", "json");

        Assert.Equal(0, first.Exit);
        Assert.Contains("\"BAK-01\"", first.Output);
        Assert.Equal(first.Output, second.Output);
    }

    [Fact]
    public async Task The_connection_can_come_from_the_environment_so_it_stays_out_of_the_process_list()
    {
        Environment.SetEnvironmentVariable(DoctorCommand.ConnectionVariable, Database.AdminConnectionString);
        try
        {
            var (exit, output, error) = await Cli.RunAsync("doctor", "--app-role", Database.AppRole);

            Assert.True(exit == 0, output + error);
            Assert.Contains("pass  RLS-01", output);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DoctorCommand.ConnectionVariable, null);
        }
    }

    [Fact]
    public async Task A_report_can_go_to_a_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"doctor-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, output, _) = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--format", "json", "--output", path);

            Assert.Equal(0, exit);
            Assert.Empty(output);
            Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("checks").ValueKind);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_baseline_of_fingerprints_suppresses_known_findings_and_sarif_and_junit_are_written()
    {
        var json = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--format", "json");
        using var document = JsonDocument.Parse(json.Output);
        var fingerprints = document.RootElement.GetProperty("checks").EnumerateArray()
            .SelectMany(c => c.GetProperty("findings").EnumerateArray()).Select(f => f.GetProperty("fingerprint").GetString()!).ToList();
        var baseline = Path.Combine(Path.GetTempPath(), $"baseline-{Guid.NewGuid():N}.txt");
        File.WriteAllLines(baseline, ["# accepted: test servers keep no WAL archive", .. fingerprints]);
        try
        {
            var (exit, output, _) = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--baseline", baseline, "--fail-on", "info");
            var sarif = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--format", "sarif");
            var junit = await Cli.RunAsync("doctor", "--connection", Database.AdminConnectionString, "--app-role", Database.AppRole, "--format", "junit");

            Assert.NotEmpty(fingerprints);
            Assert.Equal(0, exit);
            Assert.Contains("0 failed", output);
            Assert.Equal("2.1.0", JsonDocument.Parse(sarif.Output).RootElement.GetProperty("version").GetString());
            Assert.Equal("testsuites", System.Xml.Linq.XDocument.Parse(junit.Output).Root!.Name.LocalName);
        }
        finally
        {
            File.Delete(baseline);
        }
    }

    [Theory]
    [InlineData("--app-role", "x", "--format", "xml")]
    [InlineData("--app-role", "x", "--fail-on", "urgent")]
    [InlineData("--app-role", "x", "--colour", "always")]
    [InlineData("--app-role")]
    public async Task Bad_arguments_exit_2_with_the_reason(params string[] args)
    {
        var (exit, _, error) = await Cli.RunAsync(["doctor", "--connection", "Host=127.0.0.1", .. args]);

        Assert.Equal(2, exit);
        Assert.StartsWith("pgtenancy doctor: ", error);
    }

    [Fact]
    public async Task A_server_that_cannot_be_reached_exits_2_with_the_reason()
    {
        var unreachable = new NpgsqlConnectionStringBuilder(Database.AdminConnectionString) { Port = 1, Timeout = 2 };

        var (exit, _, error) = await Cli.RunAsync("doctor", "--connection", unreachable.ConnectionString, "--app-role", "app");

        Assert.Equal(2, exit);
        Assert.Contains("could not check the server", error);
    }
}
