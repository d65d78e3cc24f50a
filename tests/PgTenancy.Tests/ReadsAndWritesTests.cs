using System.Data;
using Dapper;
using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>Every way of executing SQL through a TenantDataSource is bound to the current tenant, as the app role.</summary>
public sealed class ReadsAndWritesTests(OrdersFixture orders) : IClassFixture<OrdersFixture>, IAsyncLifetime
{
    private readonly TenantDataSource _dataSource = orders.BoundDataSource();

    public async ValueTask InitializeAsync() => await orders.ResetRowsAsync();

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static async Task<List<string>> TenantsReadAsync(TenantConnection connection, string sql = "SELECT tenant_id::text FROM orders")
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var tenants = new List<string>();
        while (await reader.ReadAsync())
        {
            tenants.Add(reader.GetString(0));
        }

        return tenants;
    }

    [Theory]
    [InlineData("aaaaaaaa-0000-4000-8000-000000000001")]
    [InlineData("bbbbbbbb-0000-4000-8000-000000000002")]
    public async Task Reader_sees_only_the_current_tenants_rows(string tenant)
    {
        using var scope = TenantScope.Begin(TenantId.Parse(tenant));
        await using var connection = await _dataSource.OpenConnectionAsync();

        var seen = await TenantsReadAsync(connection);

        Assert.Equal(OrdersFixture.RowsPerTenant, seen.Count);
        Assert.All(seen, t => Assert.Equal(tenant, t));
    }

    [Fact]
    public void Synchronous_reader_scalar_and_non_query_are_bound()
    {
        using var scope = TenantScope.Begin(OrdersFixture.B);
        using var connection = _dataSource.OpenConnection();
        using var command = connection.CreateCommand();

        command.CommandText = "SELECT count(*) FROM orders WHERE tenant_id <> @t";
        command.Parameters.AddWithValue("t", Guid.Parse(OrdersFixture.B.Value));
        var others = (long)command.ExecuteScalar()!;
        command.CommandText = "UPDATE orders SET amount = amount + 1";
        command.Parameters.Clear();
        var updated = command.ExecuteNonQuery();
        command.CommandText = "SELECT DISTINCT tenant_id::text FROM orders";
        using var reader = command.ExecuteReader();
        reader.Read();

        Assert.Equal(0, others);
        Assert.Equal(OrdersFixture.RowsPerTenant, updated);
        Assert.Equal(OrdersFixture.B.Value, reader.GetString(0));
        Assert.False(reader.Read());
    }

    [Fact]
    public async Task Tenant_is_read_at_execution_time_not_when_the_connection_or_command_was_made()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT tenant_id::text FROM orders";

        string? first, second;
        using (TenantScope.Begin(OrdersFixture.A))
        {
            first = (string?)await command.ExecuteScalarAsync();
        }

        using (TenantScope.Begin(OrdersFixture.C))
        {
            second = (string?)await command.ExecuteScalarAsync();
        }

        Assert.Equal(OrdersFixture.A.Value, first);
        Assert.Equal(OrdersFixture.C.Value, second);
    }

    [Fact]
    public async Task Dapper_queries_and_executes_are_bound()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();

        var tenants = (await connection.QueryAsync<Guid>("SELECT tenant_id FROM orders WHERE amount > @min", new { min = 0 })).ToList();
        var affected = await connection.ExecuteAsync("UPDATE orders SET amount = amount WHERE id IN @ids", new { ids = new long[] { 1, 2, 3 } });
        var syncCount = connection.ExecuteScalar<long>("SELECT count(*) FROM orders");

        Assert.Equal(OrdersFixture.RowsPerTenant, tenants.Count);
        Assert.All(tenants, t => Assert.Equal(Guid.Parse(OrdersFixture.A.Value), t));
        Assert.Equal(3, affected);
        Assert.Equal(OrdersFixture.RowsPerTenant, syncCount);
    }

    [Fact]
    public async Task Dapper_expands_array_parameters_into_lists_on_a_tenant_connection()
    {
        // Dapper passes arrays whole only to a connection whose type is named NpgsqlConnection (its FeatureSupport);
        // on any other connection it expands them into (@p1, @p2, …), which fits IN but not = ANY(…).
        // docs/ado-net-and-dapper.md tells users; this test notices if Dapper changes.
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            connection.ExecuteAsync("UPDATE orders SET amount = amount WHERE id = ANY(@ids)", new { ids = new long[] { 1, 2 } }));

        Assert.Equal("42809", error.SqlState);
    }

    [Fact]
    public async Task Multiple_result_sets_and_multi_statement_text_are_unchanged()
    {
        // Several statements in one command: the application's own SQL, with the opt-in (refused by default).
        await using var dataSource = orders.BoundDataSource(options: new TenancyOptions { AllowMultipleStatements = true });
        using var scope = TenantScope.Begin(OrdersFixture.B);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM orders; UPDATE orders SET amount = amount WHERE id <= 4; SELECT min(tenant_id::text), max(tenant_id::text) FROM orders";

        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var count = reader.GetInt64(0);
        Assert.True(await reader.NextResultAsync());
        Assert.True(await reader.ReadAsync());
        var (min, max) = (reader.GetString(0), reader.GetString(1));
        Assert.False(await reader.NextResultAsync());
        await reader.CloseAsync();

        Assert.Equal(OrdersFixture.RowsPerTenant, count);
        Assert.Equal((OrdersFixture.B.Value, OrdersFixture.B.Value), (min, max));
        Assert.Equal(4, reader.RecordsAffected);
    }

    [Fact]
    public async Task Records_affected_and_result_shape_equal_those_of_a_plain_Npgsql_command()
    {
        const string update = "UPDATE orders SET amount = amount WHERE id <= 7";
        int plain;
        await using (var owner = await Db.OpenAsync(orders.Database.AdminConnectionString))
        {
            await using var transaction = await owner.BeginTransactionAsync();
            plain = await new NpgsqlCommand(update + $" AND tenant_id = '{OrdersFixture.C}'", owner, transaction).ExecuteNonQueryAsync();
            await transaction.RollbackAsync();
        }

        using var scope = TenantScope.Begin(OrdersFixture.C);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = update;
        var bound = await command.ExecuteNonQueryAsync();
        command.CommandText = "SELECT id, amount FROM orders WHERE id = 1";
        await using var reader = await command.ExecuteReaderAsync();

        Assert.Equal(7, plain);
        Assert.Equal(plain, bound);
        Assert.Equal(2, reader.FieldCount);
        Assert.Equal(["id", "amount"], [reader.GetName(0), reader.GetName(1)]);
    }

    [Fact]
    public async Task Positional_parameters_are_bound()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM orders WHERE id <= $1";
        command.Parameters.Add(new NpgsqlParameter { Value = 5L });

        Assert.Equal(5L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Stored_procedure_commands_are_bound_and_WITH_CHECK_applies_inside_them()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "public.add_order";
        command.CommandType = CommandType.StoredProcedure;
        command.Parameters.AddWithValue("tenant", Guid.Parse(OrdersFixture.A.Value));
        command.Parameters.AddWithValue("order_id", 100L);
        command.Parameters.AddWithValue("value", 5);

        await command.ExecuteNonQueryAsync();
        command.Parameters["tenant"].Value = Guid.Parse(OrdersFixture.B.Value);
        command.Parameters["order_id"].Value = 101L;
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Equal(OrdersFixture.RowsPerTenant + 1, (await orders.CountsAsync())[OrdersFixture.A.Value]);
    }

    [Fact]
    public async Task Batches_are_bound_and_keep_per_command_row_counts()
    {
        using var scope = TenantScope.Begin(OrdersFixture.C);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE orders SET amount = amount WHERE id <= 2"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT DISTINCT tenant_id::text FROM orders"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM orders WHERE id = $1") { Parameters = { new NpgsqlParameter { Value = 10L } } });

        var plainCounts = await PlainBatchCountsAsync(batch.BatchCommands.Cast<NpgsqlBatchCommand>().ToList());

        await using var reader = await batch.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var tenant = reader.GetString(0);
        Assert.False(await reader.ReadAsync());
        Assert.False(await reader.NextResultAsync());
        await reader.CloseAsync();

        Assert.Equal(OrdersFixture.C.Value, tenant);
        Assert.Equal(plainCounts, batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.RecordsAffected));
        Assert.Equal(3, batch.BatchCommands.Count);
        Assert.Equal(OrdersFixture.RowsPerTenant - 1, (await orders.CountsAsync())[OrdersFixture.C.Value]);
    }

    /// <summary>What plain Npgsql reports per batch command for the same statements on tenant C's rows (rolled back).</summary>
    private async Task<List<int>> PlainBatchCountsAsync(List<NpgsqlBatchCommand> statements)
    {
        await using var admin = await Db.OpenAsync(orders.Database.AdminConnectionString);
        await using var transaction = await admin.BeginTransactionAsync();
        await new NpgsqlCommand($"DELETE FROM orders WHERE tenant_id <> '{OrdersFixture.C}'", admin, transaction).ExecuteNonQueryAsync();
        await using var batch = new NpgsqlBatch(admin, transaction);
        foreach (var statement in statements)
        {
            var copy = new NpgsqlBatchCommand(statement.CommandText);
            foreach (NpgsqlParameter parameter in statement.Parameters)
            {
                copy.Parameters.Add(parameter.Clone());
            }

            batch.BatchCommands.Add(copy);
        }
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            while (await reader.NextResultAsync())
            {
            }
        }

        var counts = batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.RecordsAffected).ToList();
        await transaction.RollbackAsync();
        return counts;
    }

    [Fact]
    public async Task Prepared_commands_are_bound_on_every_execution()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT tenant_id::text FROM orders WHERE id > @min";
        command.Parameters.AddWithValue("min", 0L);
        await command.PrepareAsync();

        foreach (var tenant in new[] { OrdersFixture.A, OrdersFixture.B, OrdersFixture.A, OrdersFixture.C })
        {
            using var scope = TenantScope.Begin(tenant);
            Assert.Equal(tenant.Value, await command.ExecuteScalarAsync());
        }
    }

    [Theory]
    [InlineData(CommandBehavior.SingleRow)]
    [InlineData(CommandBehavior.SingleResult)]
    [InlineData(CommandBehavior.SequentialAccess)]
    [InlineData(CommandBehavior.KeyInfo)]
    public async Task Command_behaviours_still_return_only_the_current_tenant(CommandBehavior behavior)
    {
        using var scope = TenantScope.Begin(OrdersFixture.B);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT tenant_id::text, id FROM orders ORDER BY id";

        await using var reader = await command.ExecuteReaderAsync(behavior);
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        Assert.NotEmpty(rows);
        Assert.All(rows, t => Assert.Equal(OrdersFixture.B.Value, t));
        Assert.Equal(behavior == CommandBehavior.SingleRow ? 1 : OrdersFixture.RowsPerTenant, rows.Count);
    }

    [Fact]
    public async Task Schema_only_returns_the_columns_and_no_rows()
    {
        using var scope = TenantScope.Begin(OrdersFixture.B);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT tenant_id, id FROM orders";

        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SchemaOnly);

        Assert.Equal(2, reader.FieldCount);
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task CloseConnection_behaviour_closes_the_tenant_connection_with_the_reader()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";

        await using (var reader = await command.ExecuteReaderAsync(CommandBehavior.CloseConnection))
        {
            await reader.ReadAsync();
        }

        Assert.Equal(ConnectionState.Closed, connection.State);
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task Data_source_commands_open_their_own_bound_connection()
    {
        using var scope = TenantScope.Begin(OrdersFixture.C);
        await using var command = _dataSource.CreateCommand("SELECT DISTINCT tenant_id::text FROM orders");

        Assert.Equal(OrdersFixture.C.Value, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Cross_tenant_update_and_delete_affect_no_rows()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();

        var updated = await connection.ExecuteAsync("UPDATE orders SET amount = -1 WHERE tenant_id = @b", new { b = Guid.Parse(OrdersFixture.B.Value) });
        var deleted = await connection.ExecuteAsync("DELETE FROM orders WHERE tenant_id = @b", new { b = Guid.Parse(OrdersFixture.B.Value) });
        var moved = await connection.ExecuteAsync("UPDATE orders SET tenant_id = @b WHERE tenant_id = @b", new { b = Guid.Parse(OrdersFixture.B.Value) });

        Assert.Equal((0, 0, 0), (updated, deleted, moved));
        Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.B.Value]);
    }

    [Fact]
    public async Task Inserting_or_moving_a_row_into_another_tenant_is_rejected_by_WITH_CHECK()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();

        var insert = await Assert.ThrowsAsync<PostgresException>(() =>
            connection.ExecuteAsync("INSERT INTO orders VALUES (@b, 999, 1)", new { b = Guid.Parse(OrdersFixture.B.Value) }));
        var move = await Assert.ThrowsAsync<PostgresException>(() =>
            connection.ExecuteAsync("UPDATE orders SET tenant_id = @b WHERE id = 1", new { b = Guid.Parse(OrdersFixture.B.Value) }));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        Assert.Contains("row-level security", insert.MessageText);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, move.SqlState);
    }
}
