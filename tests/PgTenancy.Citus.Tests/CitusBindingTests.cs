using Npgsql;
using Xunit;

namespace PgTenancy.Citus.Tests;

/// <summary>
/// The binding on a Citus coordinator: without Citus mode the tenant never reaches the workers (no rows: closed, never
/// open); with it every tenant reads and writes its own rows, and no other tenant's.
/// </summary>
public sealed class CitusBindingTests(CitusShop shop) : IClassFixture<CitusShop>, IAsyncLifetime
{
    public async ValueTask InitializeAsync()
    {
        if (shop.Configured)
        {
            await shop.ResetAsync();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Without_Citus_mode_the_workers_never_see_the_tenant_and_return_no_rows()
    {
        await using var dataSource = shop.AppDataSource(new TenancyOptions());
        using var scope = TenantScope.Begin(CitusShop.A);

        Assert.Equal(0L, await ScalarAsync(dataSource, "SELECT count(*) FROM orders"));
    }

    [Fact]
    public async Task In_Citus_mode_each_tenant_reads_its_own_rows_alone_even_joined_across_shards()
    {
        await using var dataSource = shop.AppDataSource();
        foreach (var tenant in CitusShop.Tenants)
        {
            using var scope = TenantScope.Begin(tenant);
            Assert.Equal((long)CitusShop.OrdersPerTenant, await ScalarAsync(dataSource, "SELECT count(*) FROM orders"));
            Assert.Equal(tenant.Value, await ScalarAsync(dataSource, "SELECT string_agg(DISTINCT tenant_id::text, ',') FROM orders"));
            Assert.Equal(
                (long)CitusShop.OrdersPerTenant,
                await ScalarAsync(dataSource, "SELECT count(*) FROM orders o JOIN order_lines l ON l.tenant_id = o.tenant_id AND l.order_id = o.id JOIN products p ON p.code = l.product"));
        }
    }

    [Fact]
    public async Task Another_tenants_rows_can_be_neither_read_changed_deleted_nor_written()
    {
        await using var dataSource = shop.AppDataSource();
        using var scope = TenantScope.Begin(CitusShop.A);

        Assert.Equal(0L, await ScalarAsync(dataSource, $"SELECT count(*) FROM orders WHERE tenant_id = '{CitusShop.B}'"));
        Assert.Equal(0, await ExecuteAsync(dataSource, $"UPDATE orders SET amount = -1 WHERE tenant_id = '{CitusShop.B}'"));
        Assert.Equal(0, await ExecuteAsync(dataSource, $"DELETE FROM order_lines WHERE tenant_id = '{CitusShop.B}'"));
        var insert = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(dataSource, $"INSERT INTO orders VALUES ('{CitusShop.B}', 99, 'x', 1)"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        var move = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(dataSource, $"UPDATE orders SET tenant_id = '{CitusShop.B}' WHERE id = 1"));
        // Citus refuses to change a distribution column before the policy's WITH CHECK would.
        Assert.Equal(PostgresErrorCodes.FeatureNotSupported, move.SqlState);
        Assert.Contains("partition", move.MessageText, StringComparison.Ordinal);

        Assert.Equal(CitusShop.OrdersPerTenant, (await shop.CountsAsync())[CitusShop.B.Value]);
    }

    [Fact]
    public async Task Writes_in_a_transaction_of_the_callers_are_bound_and_commit_or_roll_back_with_it()
    {
        await using var dataSource = shop.AppDataSource();
        using var scope = TenantScope.Begin(CitusShop.C);
        await using var connection = await dataSource.OpenConnectionAsync();

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.Equal(CitusShop.OrdersPerTenant, await ExecuteAsync(connection, "DELETE FROM order_lines"));
            Assert.Equal(CitusShop.OrdersPerTenant, await ExecuteAsync(connection, "DELETE FROM orders"));
            await transaction.RollbackAsync();
        }

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.Equal(1, await ExecuteAsync(connection, $"INSERT INTO orders VALUES ('{CitusShop.C}', 50, 'new', 5)"));
            await transaction.CommitAsync();
        }

        Assert.Equal(CitusShop.OrdersPerTenant + 1, (await shop.CountsAsync())[CitusShop.C.Value]);
    }

    [Fact]
    public async Task A_COPY_export_in_a_transaction_is_bound_on_the_workers()
    {
        await using var dataSource = shop.AppDataSource();
        using var scope = TenantScope.Begin(CitusShop.B);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        string rows;
        using (var export = await connection.BeginTextExportAsync("COPY (SELECT tenant_id FROM orders) TO STDOUT"))
        {
            rows = await export.ReadToEndAsync();
        }

        await transaction.CommitAsync();
        var lines = rows.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(CitusShop.OrdersPerTenant, lines.Length);
        Assert.All(lines, line => Assert.Equal(CitusShop.B.Value, line));
    }

    private static async Task<object?> ScalarAsync(TenantDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<int> ExecuteAsync(TenantDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteNonQueryAsync();
    }

    private static async Task<int> ExecuteAsync(TenantConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }
}
