using Npgsql;
using PgTenancy.Binding;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// Statements PostgreSQL refuses inside a transaction block cannot carry the binding; exactly one of them is sent
/// unbound (it returns no tenant's rows), anything else is bound as usual.
/// </summary>
public sealed class NonTransactionalStatementTests(OrdersFixture orders) : IClassFixture<OrdersFixture>, IAsyncLifetime
{
    private readonly TenantDataSource _dataSource = orders.BoundDataSource();

    public async ValueTask InitializeAsync() => await orders.ResetRowsAsync();

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    [Theory]
    [InlineData("VACUUM orders", "VACUUM")]
    [InlineData("  /* nightly */ vacuum (analyze, verbose) orders ; -- done", "VACUUM")]
    [InlineData("CREATE INDEX CONCURRENTLY i ON t (a)", "CREATE INDEX CONCURRENTLY")]
    [InlineData("create unique index concurrently i on t (a)", "CREATE UNIQUE INDEX CONCURRENTLY")]
    [InlineData("DROP INDEX CONCURRENTLY i", "DROP INDEX CONCURRENTLY")]
    [InlineData("REINDEX (VERBOSE) TABLE CONCURRENTLY t", "REINDEX CONCURRENTLY")]
    [InlineData("CREATE DATABASE x", "CREATE DATABASE")]
    [InlineData("ALTER SYSTEM SET work_mem = '8MB'", "ALTER SYSTEM")]
    public void One_statement_that_refuses_a_transaction_block_is_recognised(string sql, string statement)
    {
        var recognised = NonTransactionalStatement.Is(sql, out var named);

        Assert.True(recognised, sql);
        Assert.Equal(statement, named);
    }

    [Theory]
    [InlineData("VACUUM orders; SELECT * FROM orders")]
    [InlineData("VACUUM orders; -- x\n DELETE FROM orders")]
    [InlineData("SELECT 'VACUUM'")]
    [InlineData("CREATE INDEX i ON t (a)")]
    [InlineData("SELECT * FROM orders -- VACUUM")]
    [InlineData("REINDEX TABLE t")]
    [InlineData("VACUUM $$;$$; SELECT 1")]
    [InlineData("")]
    public void Anything_else_is_not(string sql)
    {
        Assert.False(NonTransactionalStatement.Is(sql, out _), sql);
    }

    [Fact]
    public async Task VACUUM_runs_through_a_tenant_bound_connection()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "VACUUM (ANALYZE) orders";

        await command.ExecuteNonQueryAsync();   // the app role does not own the table: a warning, not an error

        command.CommandText = "SELECT count(*) FROM orders";
        Assert.Equal((long)OrdersFixture.RowsPerTenant, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Two_statements_starting_with_VACUUM_are_bound_and_refused()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "VACUUM orders; DELETE FROM orders";

        await Assert.ThrowsAsync<TenantStatementsException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.A.Value]);
    }
}
