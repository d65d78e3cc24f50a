using Dapper;
using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

public sealed class TransactionTests(OrdersFixture orders) : IClassFixture<OrdersFixture>, IAsyncLifetime
{
    private readonly TenantDataSource _dataSource = orders.BoundDataSource();

    public async ValueTask InitializeAsync() => await orders.ResetRowsAsync();

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    [Theory]
    [InlineData("commit", false)]
    [InlineData("commit", true)]
    [InlineData("rollback", false)]
    [InlineData("rollback", true)]
    [InlineData("dispose", false)]
    [InlineData("dispose", true)]
    public async Task After_its_transaction_ends_a_connection_runs_bound_commands_outside_one(string end, bool async)
    {
        using var scope = TenantScope.Begin(OrdersFixture.B);
        await using var connection = await _dataSource.OpenConnectionAsync();
        var transaction = async ? await connection.BeginTransactionAsync() : connection.BeginTransaction();
        switch (end)
        {
            case "commit" when async:
                await transaction.CommitAsync();
                break;
            case "commit":
                transaction.Commit();
                break;
            case "rollback" when async:
                await transaction.RollbackAsync();
                break;
            case "rollback":
                transaction.Rollback();
                break;
            default:
                await transaction.DisposeAsync();
                break;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM orders";
        var seen = async ? await command.ExecuteScalarAsync() : command.ExecuteScalar();

        Assert.Equal((long)OrdersFixture.RowsPerTenant, seen);
    }

    [Fact]
    public async Task Statements_in_an_explicit_transaction_are_each_bound_and_commit_together()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        var updated = await connection.ExecuteAsync("UPDATE orders SET amount = 1000 WHERE id = 1", transaction: transaction);
        await connection.ExecuteAsync("INSERT INTO orders VALUES (@t, 11, 11)", new { t = Guid.Parse(OrdersFixture.A.Value) }, transaction);
        var inside = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM orders", transaction: transaction);
        await transaction.CommitAsync();

        Assert.Equal(1, updated);
        Assert.Equal(OrdersFixture.RowsPerTenant + 1, inside);
        Assert.Equal(OrdersFixture.RowsPerTenant + 1, (await orders.CountsAsync())[OrdersFixture.A.Value]);
        Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.B.Value]);
    }

    [Fact]
    public async Task A_tenant_change_inside_a_transaction_applies_to_the_next_statement()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT array_agg(DISTINCT tenant_id::text) FROM orders";

        string[] first, second;
        using (TenantScope.Begin(OrdersFixture.A))
        {
            first = (string[])(await command.ExecuteScalarAsync())!;
        }

        using (TenantScope.Begin(OrdersFixture.C))
        {
            second = (string[])(await command.ExecuteScalarAsync())!;
        }

        await transaction.CommitAsync();
        Assert.Equal([OrdersFixture.A.Value], first);
        Assert.Equal([OrdersFixture.C.Value], second);
    }

    [Fact]
    public async Task Rollback_to_a_savepoint_undoes_only_the_later_statements_and_keeps_the_binding()
    {
        using var scope = TenantScope.Begin(OrdersFixture.B);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();

        command.CommandText = "DELETE FROM orders WHERE id = 1";
        await command.ExecuteNonQueryAsync();
        await transaction.SaveAsync("after_first");
        command.CommandText = "DELETE FROM orders";
        await command.ExecuteNonQueryAsync();
        await transaction.RollbackAsync("after_first");
        command.CommandText = "SELECT count(*) FROM orders";
        var afterRollback = await command.ExecuteScalarAsync();
        await transaction.ReleaseAsync("after_first");
        await transaction.CommitAsync();

        Assert.Equal((long)OrdersFixture.RowsPerTenant - 1, afterRollback);
        Assert.Equal(OrdersFixture.RowsPerTenant - 1, (await orders.CountsAsync())[OrdersFixture.B.Value]);
        Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.A.Value]);
    }

    [Fact]
    public async Task The_transaction_reports_the_tenant_connection_not_the_raw_one()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        Assert.Same(connection, transaction.Connection);
        Assert.Same(connection, ((System.Data.Common.DbTransaction)transaction).Connection);
    }

    [Fact]
    public void Synchronous_transactions_are_bound()
    {
        using var scope = TenantScope.Begin(OrdersFixture.C);
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE orders SET amount = -amount";

        var updated = command.ExecuteNonQuery();
        transaction.Rollback();

        Assert.Equal(OrdersFixture.RowsPerTenant, updated);
    }

    [Fact]
    public async Task COPY_export_in_a_transaction_reads_only_the_current_tenant()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        string text;
        using (var export = await connection.BeginTextExportAsync("COPY orders (tenant_id) TO STDOUT"))
        {
            text = await export.ReadToEndAsync();
        }

        await transaction.CommitAsync();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(OrdersFixture.RowsPerTenant, lines.Length);
        Assert.All(lines, line => Assert.Equal(OrdersFixture.A.Value, line));
    }

    [Fact]
    public async Task COPY_without_a_transaction_is_refused_with_the_reason()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => connection.BeginBinaryExportAsync("COPY orders TO STDOUT (FORMAT BINARY)"));

        Assert.Contains("explicit transaction", error.Message);
    }

    [Fact]
    public async Task COPY_FROM_into_a_table_with_row_level_security_is_refused_by_PostgreSQL()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.BeginBinaryImportAsync("COPY orders FROM STDIN (FORMAT BINARY)"));

        Assert.Equal(PostgresErrorCodes.FeatureNotSupported, error.SqlState);
        Assert.Contains("row-level security", error.MessageText);
    }
}
