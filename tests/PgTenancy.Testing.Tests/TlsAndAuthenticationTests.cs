using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Testing.Tests;

public sealed class TlsAndAuthenticationTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task App_connection_uses_TLS_1_3()
    {
        await using var connection = await Db.OpenAsync(fixture.Database.AppConnectionString);

        var version = await Db.ScalarAsync<string>(connection, "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()");

        Assert.Equal("TLSv1.3", version);
    }

    [Fact]
    public async Task Server_refuses_anything_below_TLS_1_3()
    {
        var minimum = await Db.ScalarAsync<string>(fixture.Database.AdminConnectionString, "SHOW ssl_min_protocol_version");

        Assert.Equal("TLSv1.3", minimum);
        Assert.Equal("TLSv1.3", fixture.Server.TlsMinimumProtocol);
    }

    [Fact]
    public async Task Non_TLS_TCP_connection_is_rejected_by_pg_hba()
    {
        var plain = new NpgsqlConnectionStringBuilder(fixture.Database.AppConnectionString) { SslMode = SslMode.Disable, Pooling = false };

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.OpenAsync(plain.ConnectionString));

        Assert.Equal(PostgresErrorCodes.InvalidAuthorizationSpecification, error.SqlState);
        Assert.Contains("no encryption", error.MessageText);
    }

    [Fact]
    public async Task Wrong_password_is_rejected()
    {
        var wrong = new NpgsqlConnectionStringBuilder(fixture.Database.AppConnectionString) { Password = "not-the-password", Pooling = false };

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.OpenAsync(wrong.ConnectionString));

        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
    }

    [Fact]
    public async Task Passwords_are_stored_as_SCRAM_secrets_only()
    {
        await using var connection = await Db.OpenAsync(fixture.Database.AdminConnectionString);

        var encryption = await Db.ScalarAsync<string>(connection, "SHOW password_encryption");
        var nonScram = await Db.ScalarAsync<long>(connection,
            "SELECT count(*) FROM pg_authid WHERE rolpassword IS NOT NULL AND rolpassword NOT LIKE 'SCRAM-SHA-256$%'");
        var scramLogins = await Db.ScalarAsync<long>(connection,
            $"SELECT count(*) FROM pg_authid WHERE rolname IN ('{fixture.Database.OwnerRole}', '{fixture.Database.AppRole}') AND rolpassword LIKE 'SCRAM-SHA-256$4096:%'");

        Assert.Equal("scram-sha-256", encryption);
        Assert.Equal(0, nonScram);
        Assert.Equal(2, scramLogins);
    }

    [Fact]
    public async Task pg_hba_allows_only_hostssl_scram_and_ends_with_an_explicit_reject()
    {
        await using var connection = await Db.OpenAsync(fixture.Database.AdminConnectionString);
        await using var command = new NpgsqlCommand(
            "SELECT type, auth_method, error FROM pg_hba_file_rules ORDER BY line_number", connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rules = new List<(string Type, string Method)>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            Assert.True(reader.IsDBNull(2), $"pg_hba.conf has an error: {(reader.IsDBNull(2) ? "" : reader.GetString(2))}");
            rules.Add((reader.GetString(0), reader.GetString(1)));
        }

        Assert.All(rules.Where(r => r.Method != "reject"), r => Assert.Equal(("hostssl", "scram-sha-256"), r));
        Assert.Equal(("host", "reject"), rules[^1]);
    }
}
