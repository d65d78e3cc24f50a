using Npgsql;
using PgTenancy.TestSupport;
using Xunit;
using PgTenancy.TestSupport.RedTeam;

namespace PgTenancy.Tests.RedTeam;

/// <summary>What the database accepts as proof of a tenant: a token of an installed, unretired key, unexpired, for this database.</summary>
[Collection(RedTeamGroup.Name)]
public sealed class TokenVerificationTests(RedTeamFixture redTeam)
{
    private DocumentsDatabase Database => redTeam.Verified;

    [Fact]
    public async Task A_valid_token_verifies_to_its_tenant()
    {
        var token = Database.Key.Sign(DocumentsDatabase.A.Value, Database.Database.Name, DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.Equal(DocumentsDatabase.A.Value, await VerifyAsync(token));
    }

    [Fact]
    public async Task Expired_tokens_tokens_for_another_database_and_tokens_of_unknown_keys_verify_to_no_tenant()
    {
        var tenant = DocumentsDatabase.A.Value;
        var expired = Database.Key.Sign(tenant, Database.Database.Name, DateTimeOffset.UtcNow.AddSeconds(-5));
        var otherDatabase = Database.Key.Sign(tenant, "postgres", DateTimeOffset.UtcNow.AddMinutes(1));
        var unknownKey = TenantSigningKey.Generate(41).Sign(tenant, Database.Database.Name, DateTimeOffset.UtcNow.AddMinutes(1));
        var sameIdOtherKey = TenantSigningKey.Generate(Database.Key.Id).Sign(tenant, Database.Database.Name, DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.Null(await VerifyAsync(expired));
        Assert.Null(await VerifyAsync(otherDatabase));
        Assert.Null(await VerifyAsync(unknownKey));
        Assert.Null(await VerifyAsync(sameIdOtherKey));
        Assert.Null(await VerifyAsync("v1.1.zz.1.00"));
        Assert.Null(await VerifyAsync(tenant));
    }

    [Fact]
    public async Task A_retired_keys_tokens_stop_verifying_and_the_newest_key_takes_over()
    {
        var newer = TenantSigningKey.Generate(Random.Shared.Next(100, 1_000_000));
        await using var owner = NpgsqlDataSource.Create(Database.Database.OwnerConnectionString);
        await TenantSigningKeys.AddAsync(owner, newer, Database.Options);
        var token = newer.Sign(DocumentsDatabase.B.Value, Database.Database.Name, DateTimeOffset.UtcNow.AddMinutes(1));

        var before = await VerifyAsync(token);
        var retired = await TenantSigningKeys.RetireAsync(owner, newer.Id, Database.Options);
        var after = await VerifyAsync(token);
        var listed = (await TenantSigningKeys.ListAsync(owner, Database.Options)).Single(k => k.Id == newer.Id);

        Assert.Equal(DocumentsDatabase.B.Value, before);
        Assert.True(retired);
        Assert.Null(after);
        Assert.NotNull(listed.RetiredAt);
    }

    // Shapes an attacker can put in the setting: every one is refused as "no tenant", none makes the statement fail.
    [Theory]
    [InlineData("v1.1.61.notanumber.0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("v1.x.61.1.0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("v1.1.zz.99999999999999999999999.0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("v1.1..1.")]
    [InlineData("v2.1.61.1.0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("....")]
    [InlineData(".")]
    [InlineData("v1.1.ünïcødé.1.ff")]
    [InlineData("' OR true --")]
    public async Task Tokens_of_any_shape_that_are_not_signed_verify_to_no_tenant_without_an_error(string token)
    {
        Assert.Null(await VerifyAsync(token));
        Assert.Null(await VerifyAsync(token + new string('0', 5000)));
    }

    [Fact]
    public async Task The_log_names_why_a_token_was_refused()
    {
        var tenant = DocumentsDatabase.A.Value;
        var tokens = new[]
        {
            ("expired", Database.Key.Sign(tenant, Database.Database.Name, DateTimeOffset.UtcNow.AddSeconds(-5))),
            ("unknown or retired key 41", TenantSigningKey.Generate(41).Sign(tenant, Database.Database.Name, DateTimeOffset.UtcNow.AddMinutes(1))),
            ("bad signature", Database.Key.Sign(tenant, "postgres", DateTimeOffset.UtcNow.AddMinutes(1))),
            ("malformed", "v1.1.zz.1.00"),
        };
        var pid = 0;
        await using (var connection = await Db.OpenAsync(Database.Database.AppConnectionString))
        {
            pid = connection.ProcessID;
            foreach (var (_, token) in tokens)
            {
                await using var command = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, false)", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = token });
                await command.ExecuteNonQueryAsync();
                Assert.Equal(0L, await Db.ScalarAsync<long>(connection, "SELECT count(*) FROM documents"));
            }
        }

        var log = await ReadLogAsync(Database.Database.Server.LogFilePath!, $"(malformed): backend {pid}");

        Assert.All(tokens, t => Assert.Contains($"PgTenancy refused a tenant token ({t.Item1}): backend {pid}", log, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refused_token_is_logged_with_what_finds_the_session()
    {
        var forged = Database.Key.Sign(DocumentsDatabase.B.Value, Database.Database.Name, DateTimeOffset.UtcNow.AddMinutes(1))[..^4] + "0000";
        var pid = 0;
        await using (var connection = await Db.OpenAsync(Database.Database.AppConnectionString))
        {
            pid = connection.ProcessID;
            await using var command = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, false)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = forged });
            await command.ExecuteNonQueryAsync();
            Assert.Equal(0L, await Db.ScalarAsync<long>(connection, "SELECT count(*) FROM documents"));
        }

        var log = await ReadLogAsync(Database.Database.Server.LogFilePath!, $"backend {pid}");

        Assert.Contains($"PgTenancy refused a tenant token (bad signature): backend {pid}, user {Database.Database.AppRole}", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signed_binding_can_name_its_tenant_in_application_name_for_the_log()
    {
        await Database.ResetAsync();
        await using var named = Database.BoundDataSource(throughPgBouncer: false, Database.Options with { TenantInApplicationName = true });
        using var scope = TenantScope.Begin(DocumentsDatabase.A);
        await using var connection = await named.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('application_name') || ' ' || count(*) FROM documents";

        var seen = (string)(await command.ExecuteScalarAsync())!;

        Assert.Equal($"tenant:{DocumentsDatabase.A} 3", seen);
    }

    private async Task<string?> VerifyAsync(string token)
    {
        await using var connection = await Db.OpenAsync(Database.Database.AppConnectionString);
        await using var command = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, false), pgtenancy.verified_tenant('app.tenant_id')", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = token });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.IsDBNull(1) ? null : reader.GetString(1);
    }

    // The server writes its log asynchronously: wait a little for the line.
    private static async Task<string> ReadLogAsync(string path, string marker)
    {
        var text = "";
        for (var attempt = 0; attempt < 50 && !text.Contains(marker, StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(100);
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            text = await reader.ReadToEndAsync();
        }

        return text;
    }
}
