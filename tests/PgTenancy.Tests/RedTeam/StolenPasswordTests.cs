using Npgsql;
using PgTenancy.TestSupport;
using Xunit;
using PgTenancy.TestSupport.RedTeam;

namespace PgTenancy.Tests.RedTeam;

/// <summary>
/// Whoever holds the application role's password connects with psql and sets whatever they can: in the signed posture
/// they read, change and plant no tenant's rows, and cannot read the keys that would let them sign.
/// </summary>
[Collection(RedTeamGroup.Name)]
public sealed class StolenPasswordTests(RedTeamFixture redTeam)
{
    public static TheoryData<string> Settings() =>
    [
        "SET app.tenant_id = '{A}'",
        "SELECT set_config('app.tenant_id', '{A}', false)",
        "BEGIN; SET LOCAL app.tenant_id = '{A}'",
        "CALL pgtenancy.bind_uuid('app.tenant_id', '{A}')",
        "CALL pgtenancy.bind_token('app.tenant_id', 'v1.1.00.9999999999.0000000000000000000000000000000000000000000000000000000000000000')",
        "SET app.tenant_id = 'v1.1.{AH}.9999999999.{ZEROS}'",
        "ALTER ROLE CURRENT_USER SET app.tenant_id = '{A}'",
    ];

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task A_direct_session_of_the_app_role_reads_and_writes_no_tenants_rows(string setting)
    {
        var database = redTeam.Verified;
        await database.ResetAsync();
        var before = await Db.ScalarAsync<string>(database.Database.AdminConnectionString, "SELECT string_agg(tenant_id || ':' || id || ':' || title, ',' ORDER BY 1) FROM documents");
        var sql = setting.Replace("{AH}", Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(DocumentsDatabase.A.Value)), StringComparison.Ordinal)
            .Replace("{ZEROS}", new string('0', 64), StringComparison.Ordinal)
            .Replace("{A}", DocumentsDatabase.A.Value, StringComparison.Ordinal);
        try
        {
            await using var connection = await Db.OpenAsync(database.Database.AppConnectionString);
            try
            {
                await Db.ExecuteAsync(connection, sql);
            }
            catch (PostgresException refused) when (refused.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                // Refused outright (a role may not pin the setting for itself): the session goes on as it was.
            }

            if (sql.StartsWith("ALTER ROLE", StringComparison.Ordinal))
            {
                await connection.CloseAsync();   // a role's default would take effect in its next session
                await connection.OpenAsync();
            }

            var seen = await Db.ScalarAsync<long>(connection, "SELECT count(*) FROM documents");
            var updated = await Db.ScalarAsync<long>(connection, "WITH u AS (UPDATE documents SET title = 'stolen' RETURNING 1) SELECT count(*) FROM u");
            var deleted = await Db.ScalarAsync<long>(connection, "WITH d AS (DELETE FROM documents RETURNING 1) SELECT count(*) FROM d");
            var planted = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(connection, $"INSERT INTO documents VALUES ('{DocumentsDatabase.A}', 77, 'planted')"));

            Assert.Equal(0, seen);
            Assert.Equal(0, updated);
            Assert.Equal(0, deleted);
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, planted.SqlState);
        }
        finally
        {
            await Db.ExecuteAsync(database.Database.AdminConnectionString, $"ALTER ROLE \"{database.Database.AppRole}\" RESET ALL");
        }

        Assert.Equal(before, await Db.ScalarAsync<string>(database.Database.AdminConnectionString, "SELECT string_agg(tenant_id || ':' || id || ':' || title, ',' ORDER BY 1) FROM documents"));
    }

    [Theory]
    [InlineData("SELECT count(*) FROM pgtenancy.tenant_keys")]
    [InlineData("UPDATE pgtenancy.tenant_keys SET retired_at = NULL")]
    [InlineData("INSERT INTO pgtenancy.tenant_keys (id, inner_pad, outer_pad) VALUES (9, '\\x00', '\\x00')")]
    [InlineData("SET ROLE NONE; SELECT count(*) FROM pgtenancy.tenant_keys")]
    public async Task The_app_role_cannot_read_or_change_the_signing_keys(string sql)
    {
        await using var connection = await Db.OpenAsync(redTeam.Verified.Database.AppConnectionString);

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(connection, sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task The_app_role_cannot_become_the_owner_that_holds_the_keys()
    {
        await using var connection = await Db.OpenAsync(redTeam.Verified.Database.AppConnectionString);

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(connection, $"SET ROLE \"{redTeam.Verified.Database.OwnerRole}\""));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }
}
