using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tool.Tests;

/// <summary><c>pgtenancy keys</c> against a real server with verification installed.</summary>
public sealed class KeysCommandTests(ServerFixture server) : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pgtenancy-keys-").FullName;
    private TestDatabase? _database;

    private TestDatabase Database => _database!;

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync();
        await using var owner = NpgsqlDataSource.Create(Database.OwnerConnectionString);
        await TenancyInstaller.InstallVerificationAsync(owner);
    }

    public async ValueTask DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await _database.DisposeAsync();
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_key_is_made_kept_in_a_private_file_installed_listed_and_retired()
    {
        var file = Path.Combine(_folder, "key-1");

        var add = await Cli.RunAsync("keys", "add", "--connection", Database.OwnerConnectionString, "--id", "1", "--output", file);
        var key = TenantSigningKey.FromBase64(1, (await File.ReadAllTextAsync(file)).Trim());
        var verified = await VerifyAsync(key);
        var listed = await Cli.RunAsync("keys", "list", "--connection", Database.OwnerConnectionString);
        var retire = await Cli.RunAsync("keys", "retire", "--connection", Database.OwnerConnectionString, "--id", "1");
        var afterRetire = await VerifyAsync(key);
        var retireAgain = await Cli.RunAsync("keys", "retire", "--connection", Database.OwnerConnectionString, "--id", "1");

        Assert.Equal(0, add.Exit);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.DoesNotContain(key.ToBase64(), add.Output + add.Error + listed.Output, StringComparison.Ordinal);
        Assert.Equal("tenant-1", verified);
        Assert.Matches(@"^1\tadded \S+ \S+\tin use", listed.Output);
        Assert.Equal(0, retire.Exit);
        Assert.Null(afterRetire);
        Assert.Equal(2, retireAgain.Exit);
        Assert.Contains("no signing key 1 is in use", retireAgain.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_id_is_never_reused_and_the_refused_key_leaves_no_file()
    {
        var first = Path.Combine(_folder, "first");
        var second = Path.Combine(_folder, "second");
        await Cli.RunAsync("keys", "add", "--connection", Database.OwnerConnectionString, "--id", "7", "--output", first);

        var again = await Cli.RunAsync("keys", "add", "--connection", Database.OwnerConnectionString, "--id", "7", "--output", second);

        Assert.Equal(2, again.Exit);
        Assert.Contains("exists already", again.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(second));
    }

    [Theory]
    [InlineData("keys")]
    [InlineData("keys", "rotate")]
    [InlineData("keys", "add", "--connection", "Host=unused", "--id", "0", "--output", "x")]
    public async Task A_command_line_it_cannot_act_on_exits_2_with_the_reason(params string[] args)
    {
        var (exit, _, error) = await Cli.RunAsync(args);

        Assert.Equal(2, exit);
        Assert.StartsWith("pgtenancy keys: ", error, StringComparison.Ordinal);
    }

    private async Task<string?> VerifyAsync(TenantSigningKey key)
    {
        await using var connection = await Db.OpenAsync(Database.AppConnectionString);
        await using var command = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, false), pgtenancy.verified_tenant('app.tenant_id')", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = key.Sign("tenant-1", Database.Name, DateTimeOffset.UtcNow.AddMinutes(1)) });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.IsDBNull(1) ? null : reader.GetString(1);
    }
}
