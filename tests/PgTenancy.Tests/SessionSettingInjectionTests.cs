using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// A statement that sets the tenant setting at session level (as injected SQL might) cannot widen what later
/// statements see: each of them binds its own tenant transaction-locally, which takes precedence.
/// </summary>
public sealed class SessionSettingInjectionTests(OrdersFixture orders) : IClassFixture<OrdersFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task After_an_injected_session_level_set_config_the_scope_still_sees_only_its_tenant(bool throughPgBouncer)
    {
        var inner = orders.AppDataSource(throughPgBouncer, maxPoolSize: 1);
        await using var dataSource = new TenantDataSource(inner);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();

        using (TenantScope.Begin(OrdersFixture.A))
        {
            command.CommandText = $"SELECT set_config('app.tenant_id', '{OrdersFixture.B}', false)";
            await command.ExecuteScalarAsync();

            command.CommandText = "SELECT array_agg(DISTINCT tenant_id::text) FROM orders";
            Assert.Equal([OrdersFixture.A.Value], (string[])(await command.ExecuteScalarAsync())!);
            command.CommandText = "UPDATE orders SET amount = amount";
            Assert.Equal(OrdersFixture.RowsPerTenant, await command.ExecuteNonQueryAsync());
        }

        using (TenantScope.Begin(OrdersFixture.C))
        {
            command.CommandText = "SELECT array_agg(DISTINCT tenant_id::text) FROM orders";
            Assert.Equal([OrdersFixture.C.Value], (string[])(await command.ExecuteScalarAsync())!);
        }
    }
}
