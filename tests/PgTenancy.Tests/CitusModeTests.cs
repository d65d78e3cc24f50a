using System.Transactions;
using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// Citus mode's binding shapes on plain PostgreSQL (where <c>citus.propagate_set_commands</c> is only a placeholder
/// setting): BEGIN, SET LOCAL and COMMIT around the caller's statement in one round trip, or SET LOCAL alone in the
/// caller's transaction; results, row counts and errors are the caller's; a failed statement leaves no transaction
/// behind. What Citus itself does with it (forwarding, routing) is tested on a cluster in PgTenancy.Citus.Tests.
/// </summary>
public sealed class CitusModeTests(OrdersFixture orders) : IClassFixture<OrdersFixture>, IAsyncLifetime
{
    private static readonly TenancyOptions Citus = new() { Citus = true };

    public async ValueTask InitializeAsync() => await orders.ResetRowsAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_command_without_a_transaction_is_bound_and_leaves_none_open(bool throughPgBouncer)
    {
        await using var dataSource = orders.BoundDataSource(throughPgBouncer, options: Citus);
        await using var connection = await dataSource.OpenConnectionAsync();

        foreach (var tenant in OrdersFixture.Tenants)
        {
            using var scope = TenantScope.Begin(tenant);
            Assert.Equal($"{tenant}|{OrdersFixture.RowsPerTenant}", await ScalarAsync(connection, "SELECT min(tenant_id::text) || '|' || count(*) FROM orders"));
        }

        // The binding's transaction is over: the caller can begin one of its own.
        await using var transaction = await connection.BeginTransactionAsync();
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task Row_counts_scalars_and_readers_are_the_callers_own()
    {
        await using var dataSource = orders.BoundDataSource(options: Citus);
        using var scope = TenantScope.Begin(OrdersFixture.B);
        await using var connection = await dataSource.OpenConnectionAsync();

        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE orders SET amount = amount + 1 WHERE id <= 3";
        Assert.Equal(3, await update.ExecuteNonQueryAsync());

        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT id, amount FROM orders WHERE id <= 2 ORDER BY id";
        await using (var reader = await read.ExecuteReaderAsync())
        {
            Assert.Equal(2, reader.FieldCount);
            Assert.True(await reader.ReadAsync());
            Assert.Equal((1L, 2), (reader.GetInt64(0), reader.GetInt32(1)));
            Assert.True(await reader.ReadAsync());
            Assert.False(await reader.ReadAsync());
            Assert.False(await reader.NextResultAsync());
        }

        Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.B.Value]);
    }

    [Fact]
    public async Task A_failing_statement_is_rolled_back_and_the_connection_works_on()
    {
        await using var dataSource = orders.BoundDataSource(options: Citus);
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await dataSource.OpenConnectionAsync();

        await using var failing = connection.CreateCommand();
        failing.CommandText = "UPDATE orders SET amount = amount / (id - id) WHERE id = 1";
        var error = await Assert.ThrowsAsync<PostgresException>(() => failing.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.DivisionByZero, error.SqlState);
        // No transaction is left open: the caller can begin one (Npgsql refuses while the failed block is there).
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await transaction.CommitAsync();
        }

        Assert.Equal("10", await ScalarAsync(connection, "SELECT count(*)::text FROM orders"));
    }

    [Fact]
    public async Task An_error_while_reading_leaves_a_failed_block_that_the_next_statement_ends_before_it_runs()
    {
        await using var dataSource = orders.BoundDataSource(options: Citus);
        using var scope = TenantScope.Begin(OrdersFixture.C);
        await using var connection = await dataSource.OpenConnectionAsync();

        await using (var read = connection.CreateCommand())
        {
            // Rows stream out before the error: it surfaces in Read, after ExecuteReader returned, and COMMIT is skipped.
            read.CommandText = "SELECT 1 / (g - 3000) FROM generate_series(1, 5000) g";
            await using var reader = await read.ExecuteReaderAsync();
            await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                while (await reader.ReadAsync())
                {
                }
            });
        }

        Assert.Equal("10", await ScalarAsync(connection, "SELECT count(*)::text FROM orders"));
    }

    [Fact]
    public async Task In_the_callers_transaction_it_adds_no_commit_of_its_own()
    {
        await using var dataSource = orders.BoundDataSource(options: Citus);
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await dataSource.OpenConnectionAsync();

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM orders";
            Assert.Equal(OrdersFixture.RowsPerTenant, await delete.ExecuteNonQueryAsync());
            Assert.Equal("0", await ScalarAsync(connection, "SELECT count(*)::text FROM orders"));
            await transaction.RollbackAsync();
        }

        Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.A.Value]);
    }

    [Fact]
    public async Task In_an_ambient_TransactionScope_it_adds_no_commit_of_its_own()
    {
        await using var dataSource = orders.BoundDataSource(options: Citus);
        using (TenantScope.Begin(OrdersFixture.B))
        using (new TransactionScope(TransactionScopeAsyncFlowOption.Enabled))
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM orders";
            Assert.Equal(OrdersFixture.RowsPerTenant, await delete.ExecuteNonQueryAsync());
            // Not completed: the scope rolls back.
        }

        Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.B.Value]);
    }

    [Fact]
    public async Task A_batch_and_a_COPY_export_are_bound_too()
    {
        await using var dataSource = orders.BoundDataSource(options: Citus);
        using var scope = TenantScope.Begin(OrdersFixture.C);
        await using var connection = await dataSource.OpenConnectionAsync();

        await using (var batch = connection.CreateBatch())
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO orders VALUES ('{OrdersFixture.C}', 100, 1)"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM orders"));
            Assert.Equal(11L, await batch.ExecuteScalarAsync());
        }

        // COPY FROM is refused on tables with row-level security (PostgreSQL's rule); COPY TO is bound in the transaction.
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            using (var export = await connection.BeginTextExportAsync("COPY (SELECT id FROM orders WHERE id >= 100 ORDER BY id) TO STDOUT"))
            {
                Assert.Equal("100\n", await export.ReadToEndAsync());
            }

            await transaction.CommitAsync();
        }

        Assert.Equal(11, (await orders.CountsAsync())[OrdersFixture.C.Value]);
    }

    [Fact]
    public async Task A_text_tenant_with_quotes_and_backslashes_is_set_exactly_and_injects_nothing()
    {
        await using var dataSource = orders.BoundDataSource(options: Citus with { TenantKind = TenantIdKind.Text });
        var tenant = TenantId.Parse("x'; RESET ALL; SELECT '\\", TenantIdKind.Text);
        using var scope = TenantScope.Begin(tenant);
        await using var connection = await dataSource.OpenConnectionAsync();

        Assert.Equal(tenant.Value, await ScalarAsync(connection, "SELECT current_setting('app.tenant_id')"));
    }

    [Fact]
    public async Task The_tenant_is_named_in_application_name_and_allowed_multi_statement_SQL_is_bound_whole()
    {
        await using var dataSource = orders.BoundDataSource(options: Citus with { TenantInApplicationName = true, AllowMultipleStatements = true });
        using var scope = TenantScope.Begin(OrdersFixture.B);
        await using var connection = await dataSource.OpenConnectionAsync();

        Assert.Equal($"tenant:{OrdersFixture.B}", await ScalarAsync(connection, "SELECT current_setting('application_name')"));
        // Two statements in one command, with a trailing comment: both bound, in one transaction of the binding's.
        Assert.Equal("10", await ScalarAsync(connection, "UPDATE orders SET amount = 0 WHERE id = 1; SELECT count(*)::text FROM orders -- the last"));
        Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.B.Value]);
    }

    private static async Task<string?> ScalarAsync(TenantConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (await command.ExecuteScalarAsync())?.ToString();
    }
}
