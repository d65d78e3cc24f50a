using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Testing.Tests;

public sealed class PgBouncerTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    private string ThroughPgBouncer(bool pooling = true) =>
        new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString(TestRole.App, throughPgBouncer: true)) { Pooling = pooling }.ConnectionString;

    [Fact]
    public async Task Clients_connect_through_PgBouncer_over_TLS()
    {
        await using var connection = await Db.OpenAsync(ThroughPgBouncer(pooling: false));

        // VerifyFull: the connection opens only over TLS, with PgBouncer's certificate checked against the test CA.
        var settings = new NpgsqlConnectionStringBuilder(connection.ConnectionString);
        Assert.Equal(SslMode.VerifyFull, settings.SslMode);
        Assert.Equal(fixture.Server.PgBouncerPort, settings.Port);
        Assert.Equal(fixture.Database.AppRole, await Db.ScalarAsync<string>(connection, "SELECT current_user"));
    }

    [Fact]
    public async Task Clients_without_TLS_are_refused_by_PgBouncer()
    {
        var plain = new NpgsqlConnectionStringBuilder(ThroughPgBouncer(pooling: false)) { SslMode = SslMode.Disable };

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => Db.OpenAsync(plain.ConnectionString));

        Assert.Contains("SSL required", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PgBouncer_reaches_the_server_over_TLS_1_3()
    {
        await using var connection = await Db.OpenAsync(ThroughPgBouncer(pooling: false));

        // Through PgBouncer, pg_backend_pid() is the server session that PgBouncer opened, not this client's.
        var serverSide = await Db.ScalarAsync<string>(connection,
            "SELECT CASE WHEN ssl THEN version ELSE 'no TLS' END FROM pg_stat_ssl WHERE pid = pg_backend_pid()");

        Assert.Equal("TLSv1.3", serverSide);
    }

    [Fact]
    public async Task Session_level_setting_of_one_client_is_read_by_another_client_in_transaction_pooling()
    {
        // This documents the hazard the tenant binding must avoid: with transaction pooling, a session-level
        // set_config made by one client stays on the server connection that the next client is handed.
        // A database of its own gives this test a pool with a single server connection, used by both clients in turn.
        await using var database = await fixture.Server.CreateDatabaseAsync(cancellationToken: TestContext.Current.CancellationToken);
        var clientConnection = new NpgsqlConnectionStringBuilder(database.ConnectionString(TestRole.App, throughPgBouncer: true)) { Pooling = false }.ConnectionString;
        var marker = Guid.NewGuid().ToString("N");
        int firstServerPid;
        await using (var first = await Db.OpenAsync(clientConnection))
        {
            firstServerPid = await Db.ScalarAsync<int>(first, $"SELECT pg_backend_pid() FROM set_config('app.tenant_id', '{marker}', false)");
        }

        await using var second = await Db.OpenAsync(clientConnection);
        await using var command = new NpgsqlCommand("SELECT pg_backend_pid(), current_setting('app.tenant_id', true)", second);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(firstServerPid, reader.GetInt32(0));
        Assert.Equal(marker, reader.GetString(1));
    }

    [Fact]
    public async Task Roles_created_later_can_log_in_once_PgBouncer_is_synced()
    {
        await using var database = await fixture.Server.CreateDatabaseAsync(cancellationToken: TestContext.Current.CancellationToken);

        await using var connection = await Db.OpenAsync(database.ConnectionString(TestRole.App, throughPgBouncer: true));

        Assert.Equal(database.AppRole, await Db.ScalarAsync<string>(connection, "SELECT current_user"));
    }
}
