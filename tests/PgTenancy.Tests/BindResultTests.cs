using System.Data;
using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// The bind statement returns one row, and no caller ever sees it: scalars, row counts, readers and errors are what
/// plain Npgsql gives for the caller's own SQL, for commands and batches.
/// </summary>
public sealed class BindResultTests(OrdersFixture orders) : IClassFixture<OrdersFixture>, IAsyncLifetime
{
    private readonly TenantDataSource _dataSource = orders.BoundDataSource();

    public async ValueTask InitializeAsync() => await orders.ResetRowsAsync();

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public static TheoryData<string, object?> Scalars => new()
    {
        { "SELECT amount FROM orders WHERE id = 3", 3 },
        { "SELECT amount FROM orders WHERE id = 999", null },
        { "SELECT NULL::int", DBNull.Value },
        { "UPDATE orders SET amount = amount WHERE id = 1", null },
        { "UPDATE orders SET amount = amount WHERE id = 1 RETURNING id", 1L },
    };

    [Theory]
    [MemberData(nameof(Scalars))]
    public async Task A_scalar_is_the_callers_first_value_as_plain_Npgsql_returns_it(string sql, object? expected)
    {
        Assert.Equal(expected, await PlainAsync(command => command.ExecuteScalarAsync(), sql));

        Assert.Equal(expected, await BoundAsync(command => command.ExecuteScalarAsync(), sql));
        Assert.Equal(expected, await BoundAsync(command => Task.FromResult(command.ExecuteScalar()), sql));
    }

    [Theory]
    [InlineData("SELECT 1", -1)]
    [InlineData("SELECT amount FROM orders", -1)]
    [InlineData("UPDATE orders SET amount = amount WHERE id <= 2", 2)]
    [InlineData("DO $$ BEGIN END $$", -1)]
    public async Task A_row_count_never_counts_the_bind(string sql, int expected)
    {
        Assert.Equal(expected, await PlainAsync(command => command.ExecuteNonQueryAsync(), sql));

        Assert.Equal(expected, await BoundAsync(command => command.ExecuteNonQueryAsync(), sql));
    }

    [Fact]
    public async Task A_reader_over_a_statement_without_rows_has_no_result_and_the_row_count()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE orders SET amount = amount WHERE id <= 3";

        await using var reader = await command.ExecuteReaderAsync();

        Assert.Equal(0, reader.FieldCount);
        Assert.False(await reader.ReadAsync());
        Assert.False(await reader.NextResultAsync());
        Assert.Equal(3, reader.RecordsAffected);
    }

    [Fact]
    public async Task The_callers_error_is_thrown_by_ExecuteReader_itself_as_without_the_binding()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 / (amount - amount) FROM orders";

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteReaderAsync());

        Assert.Equal(PostgresErrorCodes.DivisionByZero, error.SqlState);
    }

    [Fact]
    public async Task A_batch_scalar_reads_the_first_result_set_and_keeps_each_commands_row_count()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE orders SET amount = amount WHERE id <= 2"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM orders"));

        Assert.Equal((long)OrdersFixture.RowsPerTenant, await batch.ExecuteScalarAsync());
        Assert.Equal(2, batch.BatchCommands[0].RecordsAffected);
    }

    [Fact]
    public async Task The_bind_raises_no_notice_or_warning_in_or_out_of_a_transaction()
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        var notices = new List<string>();
        connection.Inner.Notice += (_, e) => notices.Add($"{e.Notice.Severity}: {e.Notice.MessageText}");
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM orders";

        await command.ExecuteScalarAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await command.ExecuteScalarAsync();
            await transaction.CommitAsync();
        }

        Assert.Empty(notices);
    }

    private async Task<T> BoundAsync<T>(Func<TenantCommand, Task<T>> execute, string sql)
    {
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await _dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await execute(command);
    }

    // The same SQL with plain Npgsql, the tenant set by hand in a transaction that is rolled back.
    private async Task<T> PlainAsync<T>(Func<NpgsqlCommand, Task<T>> execute, string sql)
    {
        await using var connection = await Db.OpenAsync(orders.Database.AppConnectionString);
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand($"SELECT set_config('app.tenant_id', '{OrdersFixture.A}', true)", connection, transaction))
        {
            await set.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(sql, connection, transaction);
        var result = await execute(command);
        await transaction.RollbackAsync();
        return result;
    }
}
