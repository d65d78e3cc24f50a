using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tool.Tests;

/// <summary>
/// What got in an operator's way following MANIFEST.md: help on every command, a second <c>harden --dev-ca</c> run (for
/// PgBouncer's user list) that replaced the certificates of the first, roles.sql that failed before the migrations had
/// made the audited tables, and no install rows for PgBouncer's copies of the certificates.
/// </summary>
public sealed class OperatorPathTests(ServerFixture server) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("harden-operator-");

    [Theory]
    [InlineData("doctor", "--fail-on")]
    [InlineData("harden", "--dev-ca")]
    [InlineData("backup", "--key-file")]
    [InlineData("backup verify", "--tenant-column")]
    [InlineData("backup key", "--output")]
    [InlineData("export", "--tenant-kind")]
    [InlineData("keys add", "--key-file")]
    [InlineData("keys list", "--schema")]
    public async Task Every_command_prints_its_help_and_exits_0(string command, string option)
    {
        var (exit, output, error) = await Cli.RunAsync([.. command.Split(' '), "--help"]);

        Assert.True(exit == 0, error);
        Assert.Contains(option, output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Theory]
    [InlineData("doctor --app-role app --format xml", "pgtenancy doctor: ", "'xml'")]
    [InlineData("harden --output x --layout suse", "pgtenancy harden: ", "'suse'")]
    [InlineData("backup verify --nope 1", "pgtenancy backup verify: ", "'--nope'")]
    [InlineData("keys", "pgtenancy keys: ", "command")]
    public async Task A_command_line_the_tool_cannot_act_on_exits_2_with_the_reason_and_where_to_look(string args, string prefix, string reason)
    {
        var (exit, output, error) = await Cli.RunAsync(args.Split(' '));

        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Empty(output);
        Assert.StartsWith(prefix, error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Contains($"Run '{prefix.TrimEnd(' ', ':')} --help'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_dev_ca_run_into_the_same_folder_keeps_the_certificates_the_first_wrote()
    {
        var output = Path.Combine(_folder.FullName, "out");
        string[] args = ["harden", "--output", output, "--database", "shop", "--app-cidr", "10.0.1.0/24", "--dev-ca"];
        var first = await Cli.RunAsync(args);
        var ca = await File.ReadAllTextAsync(Path.Combine(output, "ca.crt"), TestContext.Current.CancellationToken);
        var serverKey = await File.ReadAllTextAsync(Path.Combine(output, "server.key"), TestContext.Current.CancellationToken);

        var second = await Cli.RunAsync(args);

        Assert.True(first.Exit == 0 && second.Exit == 0, first.Error + second.Error);
        Assert.Equal(ca, await File.ReadAllTextAsync(Path.Combine(output, "ca.crt"), TestContext.Current.CancellationToken));
        Assert.Equal(serverKey, await File.ReadAllTextAsync(Path.Combine(output, "server.key"), TestContext.Current.CancellationToken));
        Assert.Contains("Kept the development CA", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_manifest_installs_PgBouncers_copies_of_the_dev_certificates_and_creates_roles_before_the_migrations()
    {
        var input = Path.Combine(_folder.FullName, "in.json");
        await File.WriteAllTextAsync(input, """
            { "database": "shop", "appCidrs": ["10.0.1.0/24"], "generateDevCa": true, "auditedTables": ["orders"],
              "pgBouncer": { "listenPort": 6432, "defaultPoolSize": 5, "maxDatabaseConnections": 10 } }
            """, TestContext.Current.CancellationToken);
        var output = Path.Combine(_folder.FullName, "out");

        var (exit, _, error) = await Cli.RunAsync("harden", "--input", input, "--output", output);

        Assert.True(exit == 0, error);
        var manifest = await File.ReadAllTextAsync(Path.Combine(output, "MANIFEST.md"), TestContext.Current.CancellationToken);
        var ini = await File.ReadAllTextAsync(Path.Combine(output, "pgbouncer.ini"), TestContext.Current.CancellationToken);
        foreach (var file in new[] { "ca.crt", "server.crt", "server.key" })
        {
            Assert.Contains($"/etc/pgbouncer/tls/{file}", ini, StringComparison.Ordinal);
            Assert.Contains($"| {file} (a copy for PgBouncer) | /etc/pgbouncer/tls/{file} |", manifest, StringComparison.Ordinal);
        }

        Assert.True(manifest.IndexOf("-f roles.sql", StringComparison.Ordinal) < manifest.IndexOf("Run the migrations", StringComparison.Ordinal),
            "MANIFEST.md must create the roles before the migrations run as the migrator:\n" + manifest);
    }

    [Fact]
    public async Task Roles_sql_runs_before_the_audited_tables_exist_and_grants_them_when_run_again()
    {
        await using var database = await server.Server.CreateDatabaseAsync();
        var names = new { App = database.Name + "_a", ReadOnly = database.Name + "_r", Migrator = database.Name + "_m", Auditor = database.Name + "_au" };
        var input = Path.Combine(_folder.FullName, "roles.json");
        await File.WriteAllTextAsync(input, $$"""
            { "database": "{{database.Name}}", "appRole": "{{names.App}}", "readOnlyRole": "{{names.ReadOnly}}", "migratorRole": "{{names.Migrator}}",
              "auditorRole": "{{names.Auditor}}", "appCidrs": ["127.0.0.1/32"], "generateDevCa": true, "auditedTables": ["orders"] }
            """, TestContext.Current.CancellationToken);
        var output = Path.Combine(_folder.FullName, "roles");
        var (exit, _, error) = await Cli.RunAsync("harden", "--input", input, "--output", output);
        Assert.True(exit == 0, error);
        var roles = await File.ReadAllTextAsync(Path.Combine(output, "roles.sql"), TestContext.Current.CancellationToken);
        try
        {
            await Db.ExecuteAsync(database.AdminConnectionString, roles);   // before the migrations: no orders table yet
            await Db.ExecuteAsync(database.AdminConnectionString, $"""CREATE TABLE public.orders (tenant_id uuid NOT NULL, id int, PRIMARY KEY (tenant_id, id)); ALTER TABLE public.orders OWNER TO "{names.Migrator}";""");
            await Db.ExecuteAsync(database.AdminConnectionString, roles);   // after them: the audited table is granted

            Assert.True(await Db.ScalarAsync<bool>(database.AdminConnectionString, $"SELECT has_table_privilege('{names.Auditor}', 'public.orders', 'SELECT')"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            var dropRoles = string.Join(' ', new[] { names.App, names.ReadOnly, names.Migrator, names.Auditor }.Select(r => $"""DROP OWNED BY "{r}" CASCADE; DROP ROLE "{r}";"""));
            await Db.ExecuteAsync(database.AdminConnectionString, "DROP TABLE IF EXISTS public.orders; " + dropRoles);
        }
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
