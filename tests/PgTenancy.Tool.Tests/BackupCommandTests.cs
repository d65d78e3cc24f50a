using System.Text;
using System.Text.Json;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tool.Tests;

/// <summary>
/// <c>pgtenancy backup</c>, <c>backup verify</c> and <c>export</c> on a real database: two tenant tables under RLS and a
/// table without tenants, three tenants' rows. The backup is encrypted, restores with identical per-tenant counts and
/// checksums, and refuses a tampered file, a cut-off file and the wrong key.
/// </summary>
public sealed class BackupCommandTests(ServerFixture server) : IAsyncLifetime
{
    private const string Secret = "a-note-only-the-tenant-should-read";
    private static readonly string[] Tenants = ["aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002", "cccccccc-0000-4000-8000-000000000003"];
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("backup-cli-");
    private TestDatabase? _database;

    private TestDatabase Database => _database!;

    private string KeyFile => Path.Combine(_folder.FullName, "backup.key");

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync();
        await Db.ExecuteAsync(Database.OwnerConnectionString, $"""
            CREATE TABLE public.orders (tenant_id uuid NOT NULL, id int NOT NULL, amount numeric(10,2), PRIMARY KEY (tenant_id, id));
            CREATE TABLE public.notes (tenant_id uuid NOT NULL, id int NOT NULL, body text, PRIMARY KEY (tenant_id, id));
            CREATE TABLE public.currencies (code text PRIMARY KEY);
            {new TenantIsolationPolicy("orders", "tenant_id") { Schema = "public", AppRoles = [Database.AppRole] }.EnableSql()}
            {new TenantIsolationPolicy("notes", "tenant_id") { Schema = "public", AppRoles = [Database.AppRole] }.EnableSql()}
            {TenantRoles.GrantDml(Database.AppRole, "public")}
            """);
        await using (var owner = NpgsqlDataSource.Create(Database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner);
        }

        await Db.ExecuteAsync(Database.AdminConnectionString, $"""
            INSERT INTO public.orders SELECT t::uuid, g, g * 1.5 FROM unnest(ARRAY['{string.Join("','", Tenants)}']) WITH ORDINALITY u(t, n), generate_series(1, 10 * n::int) g;
            INSERT INTO public.notes SELECT t::uuid, 1, '{Secret}-' || t FROM unnest(ARRAY['{string.Join("','", Tenants)}']) t;
            INSERT INTO public.currencies VALUES ('EUR'), ('USD');
            """);
        var (exit, _, error) = await Cli.RunAsync("backup", "key", "--output", KeyFile);
        Assert.True(exit == 0, error);
    }

    [Fact]
    public async Task An_encrypted_backup_restores_with_identical_per_tenant_counts_and_checksums()
    {
        var backup = await BackupAsync();

        var (exit, output, error) = await Cli.RunAsync("backup", "verify", "--connection", Database.AdminConnectionString, "--key-file", KeyFile, "--input", backup);

        Assert.True(exit == 0, error + output);
        Assert.Contains($"ok    public.orders tenant {Tenants[2]}  30 rows", output, StringComparison.Ordinal);
        Assert.Contains("ok    public.currencies  2 rows", output, StringComparison.Ordinal);
        Assert.Equal(0, await ScratchDatabasesAsync());
    }

    [Fact]
    public async Task The_backup_file_holds_no_readable_dump()
    {
        var bytes = await File.ReadAllBytesAsync(await BackupAsync(), TestContext.Current.CancellationToken);

        Assert.Equal("PGTNCYB1", Encoding.ASCII.GetString(bytes, 0, 8));
        Assert.Equal(-1, bytes.AsSpan().IndexOf("PGDMP"u8));
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(Secret)));
    }

    [Fact]
    public async Task A_tampered_backup_is_refused_and_leaves_no_scratch_database()
    {
        var backup = await BackupAsync();
        var bytes = await File.ReadAllBytesAsync(backup, TestContext.Current.CancellationToken);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(backup, bytes, TestContext.Current.CancellationToken);

        var (exit, _, error) = await Cli.RunAsync("backup", "verify", "--connection", Database.AdminConnectionString, "--key-file", KeyFile, "--input", backup);

        Assert.Equal(2, exit);
        Assert.Contains("is damaged or was modified: AES-GCM authentication failed", error, StringComparison.Ordinal);
        Assert.Equal(0, await ScratchDatabasesAsync());
    }

    [Fact]
    public async Task A_cut_off_backup_is_refused()
    {
        var backup = await BackupAsync();
        var bytes = await File.ReadAllBytesAsync(backup, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(backup, bytes[..^7], TestContext.Current.CancellationToken);

        var (exit, _, error) = await Cli.RunAsync("backup", "verify", "--connection", Database.AdminConnectionString, "--key-file", KeyFile, "--input", backup);

        Assert.Equal(2, exit);
        Assert.Contains("is cut off", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_wrong_key_fails_with_a_clear_error()
    {
        var backup = await BackupAsync();
        var otherKey = Path.Combine(_folder.FullName, "other.key");
        await Cli.RunAsync("backup", "key", "--output", otherKey);

        var (exit, _, error) = await Cli.RunAsync("backup", "verify", "--connection", Database.AdminConnectionString, "--key-file", otherKey, "--input", backup);

        Assert.Equal(2, exit);
        Assert.Contains("was encrypted with another key", error, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_key_file_others_can_read_is_refused()
    {
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var (exit, _, error) = await Cli.RunAsync("backup", "--connection", Database.AdminConnectionString, "--key-file", KeyFile, "--output", Path.Combine(_folder.FullName, "x.pgtb"));

        Assert.Equal(2, exit);
        Assert.Contains("is readable or writable by other users", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder.FullName, "x.pgtb")));
    }

    [Fact]
    public async Task Verify_reports_a_source_that_changed_since_the_backup()
    {
        var backup = await BackupAsync();
        await Db.ExecuteAsync(Database.AdminConnectionString, $"INSERT INTO public.orders VALUES ('{Tenants[0]}', 999, 1)");

        var (exit, _, error) = await Cli.RunAsync("backup", "verify", "--connection", Database.AdminConnectionString, "--key-file", KeyFile, "--input", backup);

        Assert.Equal(1, exit);
        Assert.Contains($"public.orders tenant {Tenants[0]}: source 11 rows", error, StringComparison.Ordinal);
        Assert.Contains("restored 10 rows", error, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Export_writes_one_tenants_rows_read_under_row_level_security()
    {
        var output = Path.Combine(_folder.FullName, "tenant-b.jsonl");

        var (exit, stdout, error) = await Cli.RunAsync("export", "--connection", Database.AppConnectionString, "--tenant", Tenants[1], "--output", output);

        Assert.True(exit == 0, error);
        Assert.Contains("public.orders: 20 rows", stdout, StringComparison.Ordinal);
        var lines = await File.ReadAllLinesAsync(output, TestContext.Current.CancellationToken);
        Assert.Equal(21, lines.Length);
        Assert.All(lines, line => Assert.Equal(Tenants[1], JsonDocument.Parse(line).RootElement.GetProperty("row").GetProperty("tenant_id").GetString()));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(output));
    }

    [Fact]
    public async Task Export_as_a_superuser_is_refused_because_RLS_would_not_apply()
    {
        var (exit, _, error) = await Cli.RunAsync("export", "--connection", Database.AdminConnectionString, "--tenant", Tenants[1], "--output", Path.Combine(_folder.FullName, "x.jsonl"));

        Assert.Equal(2, exit);
        Assert.Contains("superuser", error, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<string> BackupAsync()
    {
        var backup = Path.Combine(_folder.FullName, $"{Guid.NewGuid():N}.pgtb");
        var (exit, _, error) = await Cli.RunAsync("backup", "--connection", Database.AdminConnectionString, "--key-file", KeyFile, "--output", backup);
        Assert.True(exit == 0, error);
        return backup;
    }

    private Task<long> ScratchDatabasesAsync() =>
        Db.ScalarAsync<long>(server.Server.AdminConnectionString, $"SELECT count(*) FROM pg_database WHERE datname LIKE '{Database.Name}\\_verify\\_%'");

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }
}
