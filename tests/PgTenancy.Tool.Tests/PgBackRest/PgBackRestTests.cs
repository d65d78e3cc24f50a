using System.Text;
using System.Text.Json;
using PgTenancy.TestSupport;
using PgTenancy.Tool.Backups;
using Xunit;

namespace PgTenancy.Tool.Tests.PgBackRest;

/// <summary>
/// <c>pgtenancy backup verify --stanza</c> on a real server archiving into an encrypted pgBackRest repository: the
/// latest state restores and matches the source, a point in time restores only what came before it, a damaged
/// repository and a wrong passphrase are refused, and the repository holds nothing readable without the passphrase.
/// </summary>
public sealed class PgBackRestTests(PgBackRestServer backups) : IClassFixture<PgBackRestServer>, IDisposable
{
    private const string Tenant = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
    private const string Marker = "clear-text-marker-7f3a9c";
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pgbackrest-cli-");

    private string[] Verify(params string[] more) =>
        ["backup", "verify", "--stanza", PgBackRestServer.Stanza, "--pgbackrest-config", backups.ConfigFile, "--pgbackrest-include", backups.IncludePath, .. more];

    [Fact]
    public async Task The_latest_state_restores_and_a_point_in_time_holds_only_the_rows_before_it()
    {
        await Db.ExecuteAsync(backups.AdminConnectionString, $"""
            CREATE TABLE IF NOT EXISTS public.orders (tenant_id uuid NOT NULL, id int NOT NULL, note text NOT NULL, PRIMARY KEY (tenant_id, id));
            TRUNCATE public.orders;
            INSERT INTO public.orders VALUES ('{Tenant}', 1, 'before the point'), ('{Tenant}', 2, 'before the point');
            """);
        await backups.PgBackRestAsync("backup", "--type=incr");
        await Task.Delay(1100, TestContext.Current.CancellationToken);
        var point = await Db.ScalarAsync<string>(backups.AdminConnectionString, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
        await Task.Delay(1100, TestContext.Current.CancellationToken);
        await Db.ExecuteAsync(backups.AdminConnectionString, $"INSERT INTO public.orders VALUES ('{Tenant}', 3, 'after the point')");
        var report = Path.Combine(_folder.FullName, "pitr.json");

        var latest = await Cli.RunAsync(Verify("--connection", backups.AdminConnectionString));
        var pitr = await Cli.RunAsync(Verify("--connection", backups.AdminConnectionString, "--target-time", point, "--report", report));

        Assert.True(latest.Exit == 0, latest.Error + latest.Output);
        Assert.Contains($"ok    public.orders tenant {Tenant}  3 rows", latest.Output, StringComparison.Ordinal);
        Assert.True(pitr.Exit == 0, pitr.Error + pitr.Output);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken));
        Assert.StartsWith("2 rows", json.RootElement.GetProperty("tables").GetProperty($"public.orders tenant {Tenant}").GetString(), StringComparison.Ordinal);
        Assert.True(json.RootElement.GetProperty("restoreSeconds").GetDouble() > 0);
        Assert.Empty(Directory.GetDirectories(Path.GetTempPath(), "pgtenancy-restore-*"));
    }

    [Fact]
    public async Task A_source_that_changed_after_the_archive_differs_and_exits_1_with_a_junit_report()
    {
        await Db.ExecuteAsync(backups.AdminConnectionString, "CREATE TABLE IF NOT EXISTS public.counters (id int PRIMARY KEY, n int NOT NULL); INSERT INTO public.counters VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = public.counters.n + 1");
        var report = Path.Combine(_folder.FullName, "restore.xml");
        // Compared with another database than the one restored: every table differs, as a restore that lost data would.
        var other = new Npgsql.NpgsqlConnectionStringBuilder(backups.AdminConnectionString) { Database = "postgres" }.ConnectionString;

        var (exit, output, error) = await Cli.RunAsync(Verify("--connection", other, "--database", PgBackRestServer.Database, "--report", report, "--report-format", "junit"));

        Assert.True(exit == 1, error + output);
        Assert.Contains("differs from the source", error, StringComparison.Ordinal);
        Assert.Contains("<failure", await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_passphrase_is_refused()
    {
        var wrong = await PgBackRestServer.WritePassphraseAsync(Path.Combine(_folder.FullName, "wrong"), "not-the-passphrase");
        ServerUserCommand.Own(_folder.FullName);

        var (exit, _, error) = await Cli.RunAsync(["backup", "verify", "--stanza", PgBackRestServer.Stanza, "--pgbackrest-config", backups.ConfigFile, "--pgbackrest-include", wrong, "--database", PgBackRestServer.Database]);

        Assert.Equal(CommandLine.UsageError, exit);
        Assert.Contains("cannot read the repository of stanza pgtenancy: the passphrase", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_repository_holds_nothing_readable_without_the_passphrase()
    {
        await Db.ExecuteAsync(backups.AdminConnectionString, $"CREATE TABLE IF NOT EXISTS public.secrets (tenant_id uuid NOT NULL, id int PRIMARY KEY, body text NOT NULL); INSERT INTO public.secrets VALUES ('{Tenant}', 1, '{Marker}') ON CONFLICT DO NOTHING");
        await backups.PgBackRestAsync("backup", "--type=incr");
        await backups.PgBackRestAsync("check");   // the WAL with the insert archived too

        var files = Directory.GetFiles(backups.Repository, "*", SearchOption.AllDirectories);
        var marker = Encoding.UTF8.GetBytes(Marker);
        var tableName = Encoding.UTF8.GetBytes("secrets");

        Assert.NotEmpty(files);
        Assert.All(files, file =>
        {
            var bytes = File.ReadAllBytes(file);
            Assert.True(bytes.AsSpan().StartsWith("Salted__"u8), $"{file} is not encrypted (no OpenSSL salt header).");
            Assert.True(bytes.AsSpan().IndexOf(marker) < 0 && bytes.AsSpan().IndexOf(tableName) < 0, $"{file} holds row or catalog text in clear.");
        });
    }

    [Fact]
    public async Task A_damaged_repository_file_is_found_and_exits_1()
    {
        var copy = Path.Combine(_folder.FullName, "repo");
        CopyFolder(backups.Repository, copy);
        var damaged = Directory.GetFiles(Path.Combine(copy, "backup"), "*", SearchOption.AllDirectories)
            .Where(f => f.Contains("pg_data", StringComparison.Ordinal)).OrderByDescending(f => new FileInfo(f).Length).First();
        var bytes = await File.ReadAllBytesAsync(damaged, TestContext.Current.CancellationToken);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(damaged, bytes, TestContext.Current.CancellationToken);
        var config = Path.Combine(_folder.FullName, "pgbackrest.conf");
        await File.WriteAllTextAsync(config, (await File.ReadAllTextAsync(backups.ConfigFile, TestContext.Current.CancellationToken)).Replace(backups.Repository, copy, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        ServerUserCommand.Own(_folder.FullName);

        var (exit, output, error) = await Cli.RunAsync(["backup", "verify", "--stanza", PgBackRestServer.Stanza, "--pgbackrest-config", config, "--pgbackrest-include", backups.IncludePath, "--database", PgBackRestServer.Database]);

        Assert.True(exit == 1, $"{damaged} damaged:\n{error}{output}");
        Assert.Contains("pgbackrest verify found damaged files", output, StringComparison.Ordinal);
    }

    /// <summary>Copies the repository's files, leaving out the "latest" symbolic link (followed, it would copy the newest backup twice, and a file damaged there would not be the backup's).</summary>
    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)
                     .Where(f => !Path.GetRelativePath(from, f).Split(Path.DirectorySeparatorChar).Contains("latest")))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
