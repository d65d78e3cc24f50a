using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tool.Tests;

/// <summary><c>pgtenancy harden</c>: writes the configuration, or refuses the input and writes nothing.</summary>
public sealed class HardenCommandTests(ServerFixture server) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("harden-cli-");

    [Fact]
    public async Task Flags_alone_write_the_configuration_and_say_where_each_file_goes()
    {
        var output = Path.Combine(_folder.FullName, "out");

        var (exit, stdout, stderr) = await Cli.RunAsync("harden", "--output", output, "--database", "shop", "--app-cidr", "10.0.1.0/24", "--app-cidr", "10.0.2.0/24", "--layout", "rhel", "--dev-ca");

        Assert.True(exit == 0, stderr);
        Assert.Contains("→  /var/lib/pgsql/15/data/pg_hba.conf", stdout, StringComparison.Ordinal);
        var hba = await File.ReadAllTextAsync(Path.Combine(output, "pg_hba.conf"), TestContext.Current.CancellationToken);
        Assert.Contains("10.0.2.0/24", hba, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "MANIFEST.md")));
    }

    [Fact]
    public async Task An_input_file_is_read_and_flags_override_it()
    {
        var input = Path.Combine(_folder.FullName, "harden.json");
        await File.WriteAllTextAsync(input, """
            { "database": "shop", "appCidrs": ["10.0.1.0/24"], "generateDevCa": true, "tlsMinimum": "TLSv1.2",
              "pgBouncer": { "listenPort": 7432, "defaultPoolSize": 5, "maxDatabaseConnections": 10 } }
            """, TestContext.Current.CancellationToken);
        var output = Path.Combine(_folder.FullName, "out");

        var (exit, _, stderr) = await Cli.RunAsync("harden", "--input", input, "--output", output, "--database", "billing");

        Assert.True(exit == 0, stderr);
        var ini = await File.ReadAllTextAsync(Path.Combine(output, "pgbouncer.ini"), TestContext.Current.CancellationToken);
        Assert.Contains("billing = host=localhost port=5432 dbname=billing", ini, StringComparison.Ordinal);
        Assert.Contains("listen_port = 7432", ini, StringComparison.Ordinal);
        Assert.Contains("client_tls_protocols = tlsv1.2,tlsv1.3", ini, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_input_has_a_flag()
    {
        var output = Path.Combine(_folder.FullName, "out");

        var (exit, _, stderr) = await Cli.RunAsync("harden", "--output", output, "--database", "shop", "--app-cidr", "10.0.1.0/24", "--app-role", "shop_app",
            "--replication-cidr", "10.0.3.0/24", "--cert-file", "/tls/server.crt", "--key-file", "/tls/server.key", "--ca-file", "/tls/ca.crt",
            "--audited-table", "orders", "--audited-table", "billing.invoices");

        Assert.True(exit == 0, stderr);
        var hba = await File.ReadAllTextAsync(Path.Combine(output, "pg_hba.conf"), TestContext.Current.CancellationToken);
        var conf = await File.ReadAllTextAsync(Path.Combine(output, "pgtenancy-hardening.conf"), TestContext.Current.CancellationToken);
        var roles = await File.ReadAllTextAsync(Path.Combine(output, "roles.sql"), TestContext.Current.CancellationToken);
        Assert.Contains("replication", hba, StringComparison.Ordinal);
        Assert.Contains("shop_app,", hba, StringComparison.Ordinal);
        Assert.Contains("ssl_key_file = '/tls/server.key'", conf, StringComparison.Ordinal);
        Assert.Contains("\"billing\".\"invoices\"", roles, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0/0", "admits every address on the internet")]
    [InlineData("10.0.1.0/24", "certificateFile, keyFile and caFile are required")]
    public async Task Refused_input_exits_2_with_the_reason_and_writes_nothing(string cidr, string reason)
    {
        var output = Path.Combine(_folder.FullName, "out");
        string[] devCa = cidr == "0.0.0.0/0" ? ["--dev-ca"] : [];

        var (exit, _, stderr) = await Cli.RunAsync(["harden", "--output", output, "--database", "shop", "--app-cidr", cidr, .. devCa]);

        Assert.Equal(2, exit);
        Assert.Contains(reason, stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task With_a_connection_the_pgbouncer_user_list_holds_the_servers_SCRAM_secrets()
    {
        await using var database = await server.Server.CreateDatabaseAsync();
        var output = Path.Combine(_folder.FullName, "out");
        string[] args = ["harden", "--output", output, "--database", database.Name, "--app-cidr", "127.0.0.1/32", "--dev-ca", "--connection", server.Server.AdminConnectionString];
        var input = $$"""{ "database": "{{database.Name}}", "appRole": "{{database.AppRole}}", "readOnlyRole": "{{database.AppRole}}_ro", "migratorRole": "{{database.OwnerRole}}", "appCidrs": ["127.0.0.1/32"], "generateDevCa": true }""";
        var inputFile = Path.Combine(_folder.FullName, "in.json");
        await File.WriteAllTextAsync(inputFile, input, TestContext.Current.CancellationToken);

        var missing = await Cli.RunAsync([.. args, "--input", inputFile]);
        await Db.ExecuteAsync(server.Server.AdminConnectionString, $"CREATE ROLE \"{database.AppRole}_ro\" LOGIN PASSWORD 'SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0c2FsdA==$c3RvcmVkc3RvcmVkc3RvcmVkc3RvcmVkc3RvcmVkMTI=:c2VydmVyc2VydmVyc2VydmVyc2VydmVyc2VydmVyMTI='");
        try
        {
            var written = await Cli.RunAsync([.. args, "--input", inputFile]);

            Assert.Equal(2, missing.Exit);
            Assert.Contains($"role \"{database.AppRole}_ro\" does not exist", missing.Error, StringComparison.Ordinal);
            Assert.True(written.Exit == 0, written.Error);
            var users = await File.ReadAllTextAsync(Path.Combine(output, "userlist.txt"), TestContext.Current.CancellationToken);
            var secret = await Db.ScalarAsync<string>(server.Server.AdminConnectionString, $"SELECT rolpassword FROM pg_authid WHERE rolname = '{database.AppRole}'");
            Assert.Contains($"\"{database.AppRole}\" \"{secret}\"", users, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(output, "userlist.txt")));
            Assert.Contains("Install userlist.txt and pgbouncer.ini", await File.ReadAllTextAsync(Path.Combine(output, "MANIFEST.md"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        finally
        {
            await Db.ExecuteAsync(server.Server.AdminConnectionString, $"DROP ROLE \"{database.AppRole}_ro\"");
        }
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
