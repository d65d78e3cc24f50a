using Npgsql;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// By default a tenant-bound command sends one statement: stacked statements — how an injected string runs SQL of its
/// own — are refused before any of them runs, by Npgsql or by PostgreSQL itself. A TenantBatch carries several.
/// </summary>
public sealed class StackedStatementsTests(OrdersFixture orders) : IClassFixture<OrdersFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await orders.ResetRowsAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData("SELECT 1; DELETE FROM orders", false)]
    [InlineData("UPDATE orders SET amount = 0 WHERE id = @id; DELETE FROM orders", true)]
    [InlineData("SELECT 1; DELETE FROM orders; --", false)]
    public async Task Two_statements_in_one_command_are_refused_and_nothing_runs(string sql, bool named)
    {
        await using var dataSource = orders.BoundDataSource();
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (named)
        {
            command.Parameters.AddWithValue("id", 1L);
        }

        var error = await Assert.ThrowsAsync<TenantStatementsException>(() => command.ExecuteNonQueryAsync());

        Assert.Contains("more than one statement", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowMultipleStatements", error.Message, StringComparison.Ordinal);
        Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.A.Value]);
    }

    [Fact]
    public async Task With_the_opt_in_the_application_sends_its_own_statements_together()
    {
        await using var dataSource = orders.BoundDataSource(options: new TenancyOptions { AllowMultipleStatements = true });
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE orders SET amount = 0 WHERE id = 1; UPDATE orders SET amount = 0 WHERE id = 2";

        var rows = await command.ExecuteNonQueryAsync();

        Assert.Equal(2, rows);
    }

    [Fact]
    public async Task A_batch_carries_several_statements_by_default()
    {
        await using var dataSource = orders.BoundDataSource();
        using var scope = TenantScope.Begin(OrdersFixture.A);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE orders SET amount = 0 WHERE id = 1"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE orders SET amount = 0 WHERE id = 2"));

        var rows = await batch.ExecuteNonQueryAsync();

        Assert.Equal(2, rows);
    }
}
