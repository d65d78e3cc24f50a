using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>Without a usable tenant, or on a role or database not set up for isolation, nothing leaks and nothing is sent.</summary>
public sealed class FailClosedTests(OrdersFixture orders) : IClassFixture<OrdersFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await orders.ResetRowsAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task No_tenant_in_scope_throws_before_anything_reaches_the_server()
    {
        var (proxy, connectionString) = LoopbackProxy.InFrontOf(orders.Database.AppConnectionString);
        await using var _ = proxy;
        await using var inner = NpgsqlDataSource.Create(connectionString);
        await using var dataSource = new TenantDataSource(inner);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT nextval('public.probe')";
        var before = await Db.ScalarAsync<long>(orders.Database.AdminConnectionString, "SELECT last_value FROM public.probe");
        proxy.Reset();

        await Assert.ThrowsAsync<TenantContextMissingException>(() => command.ExecuteScalarAsync());
        Assert.Throws<TenantContextMissingException>(() => command.ExecuteNonQuery());
        await Assert.ThrowsAsync<TenantContextMissingException>(() => connection.CreateBatch().ExecuteNonQueryAsync());

        Assert.Equal(0, proxy.BytesFromClients);
        Assert.Equal(before, await Db.ScalarAsync<long>(orders.Database.AdminConnectionString, "SELECT last_value FROM public.probe"));
    }

    [Fact]
    public async Task Opting_into_match_no_rows_reads_nothing_and_writes_nothing()
    {
        await using var dataSource = orders.BoundDataSource(options: new TenancyOptions { MissingTenant = MissingTenantBehavior.MatchNoRows });
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();

        command.CommandText = "SELECT count(*) FROM orders";
        var visible = await command.ExecuteScalarAsync();
        command.CommandText = "UPDATE orders SET amount = 0";
        var updated = await command.ExecuteNonQueryAsync();
        command.CommandText = $"INSERT INTO orders VALUES ('{OrdersFixture.A}', 500, 1)";
        var insert = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(0L, visible);
        Assert.Equal(0, updated);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
    }

    [Fact]
    public async Task A_tenant_of_the_wrong_kind_throws_before_anything_is_sent()
    {
        var (proxy, connectionString) = LoopbackProxy.InFrontOf(orders.Database.AppConnectionString);
        await using var _ = proxy;
        await using var inner = NpgsqlDataSource.Create(connectionString);
        await using var dataSource = new TenantDataSource(inner);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        proxy.Reset();

        using var scope = TenantScope.Begin(TenantId.From(42));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => command.ExecuteScalarAsync());

        Assert.Contains("BigInt", error.Message);
        Assert.Contains("Uuid", error.Message);
        Assert.Equal(0, proxy.BytesFromClients);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-uuid")]
    [InlineData("aaaaaaaa-0000-4000-8000-00000000000")]
    public async Task A_malformed_setting_matches_no_row_and_an_unset_one_neither(string value)
    {
        // The policy's fail-closed half, checked directly: whatever the setting holds, it never matches all rows.
        await using var connection = await Db.OpenAsync(orders.Database.AppConnectionString);
        await using var transaction = await connection.BeginTransactionAsync();
        await new NpgsqlCommand($"SELECT set_config('app.tenant_id', '{value}', true)", connection, transaction).ExecuteScalarAsync();

        var count = value.Length == 0
            ? await new NpgsqlCommand("SELECT count(*) FROM orders", connection, transaction).ExecuteScalarAsync()
            : await CountOrErrorAsync(connection, transaction);

        Assert.True(count is 0L or "error", $"setting '{value}' exposed {count} rows");
    }

    private static async Task<object> CountOrErrorAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        try
        {
            return (await new NpgsqlCommand("SELECT count(*) FROM orders", connection, transaction).ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidTextRepresentation)
        {
            return "error";
        }
    }

    [Fact]
    public async Task A_malformed_tenant_reaching_the_bind_procedure_fails_the_statement()
    {
        // A tenant id is validated client-side; the procedure's cast is the second line, for ids that bypass it.
        await using var connection = await Db.OpenAsync(orders.Database.AppConnectionString);

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            new NpgsqlCommand("CALL pgtenancy.bind_uuid('app.tenant_id', 'x'' OR true --')", connection).ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InvalidTextRepresentation, error.SqlState);
    }

    [Fact]
    public async Task A_superuser_connection_is_refused_with_the_role_named()
    {
        await using var inner = NpgsqlDataSource.Create(orders.Database.AdminConnectionString);
        await using var dataSource = new TenantDataSource(inner);

        var error = await Assert.ThrowsAsync<TenancyConfigurationException>(async () => await dataSource.OpenConnectionAsync());

        Assert.Contains("superuser", error.Message);
        Assert.Contains(new NpgsqlConnectionStringBuilder(orders.Database.AdminConnectionString).Username!, error.Message);
    }

    [Fact]
    public async Task A_BYPASSRLS_role_is_refused_synchronously_too()
    {
        var role = "bypass_" + Guid.NewGuid().ToString("N")[..8];
        await Db.ExecuteAsync(orders.Database.AdminConnectionString,
            $"CREATE ROLE {role} LOGIN BYPASSRLS PASSWORD 'bypass-pass-123'; GRANT CONNECT ON DATABASE {orders.Database.Name} TO {role}");
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(orders.Database.AppConnectionString) { Username = role, Password = "bypass-pass-123" };
            await using var inner = NpgsqlDataSource.Create(builder.ConnectionString);
            await using var dataSource = new TenantDataSource(inner);

            var error = Assert.Throws<TenancyConfigurationException>(() => dataSource.OpenConnection());

            Assert.Contains("BYPASSRLS", error.Message);
            Assert.Contains(role, error.Message);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Db.ExecuteAsync(orders.Database.AdminConnectionString, $"REVOKE CONNECT ON DATABASE {orders.Database.Name} FROM {role}; DROP ROLE {role}");
        }
    }

    [Fact]
    public async Task The_binding_needs_nothing_installed_because_its_statement_names_only_pg_catalog()
    {
        await using var database = await orders.Server.CreateDatabaseAsync();
        await using var inner = NpgsqlDataSource.Create(database.AppConnectionString);
        await using var dataSource = new TenantDataSource(inner);
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('app.tenant_id') || ' ' || (SELECT count(*) FROM pg_namespace WHERE nspname = 'pgtenancy')";

        Assert.Equal(OrdersFixture.A.Value + " 0", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_malformed_tenant_reaching_the_bind_statement_fails_the_statement()
    {
        // The second line behind client-side validation, for an id that bypasses it: the bind's cast.
        await using var connection = await Db.OpenAsync(orders.Database.AppConnectionString);
        await using var command = new NpgsqlCommand(PgTenancy.Binding.BindingSql.BindStatement(TenancyOptions.Default, "$1"), connection);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = "x' OR true --" });

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InvalidTextRepresentation, error.SqlState);
    }

    [Fact]
    public async Task Commands_refuse_a_raw_Npgsql_connection_that_would_run_them_unbound()
    {
        await using var dataSource = orders.BoundDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        await using var raw = new NpgsqlConnection(orders.Database.AppConnectionString);

        var error = Assert.Throws<ArgumentException>(() => ((System.Data.Common.DbCommand)command).Connection = raw);

        Assert.Contains("TenantConnection", error.Message);
    }

    [Fact]
    public async Task COPY_as_a_command_is_refused_with_the_alternative_named()
    {
        await using var dataSource = orders.BoundDataSource();
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "COPY orders TO STDOUT";

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => command.ExecuteNonQueryAsync());

        Assert.Contains("BeginTextExport", error.Message);
    }
}
