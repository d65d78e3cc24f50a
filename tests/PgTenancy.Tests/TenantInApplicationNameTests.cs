using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// TenancyOptions.TenantInApplicationName: each bound statement's transaction carries application_name
/// 'tenant:&lt;id&gt;' (for log lines), and the connection's own name is back once the transaction ends — also through
/// PgBouncer, which tracks application_name per client.
/// </summary>
public sealed class TenantInApplicationNameTests(OrdersFixture orders) : IClassFixture<OrdersFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_bound_statement_names_its_tenant_and_the_connection_gets_its_name_back(bool throughPgBouncer)
    {
        await using var pool = Pool(throughPgBouncer);
        await using var bound = pool.WithTenancy(new TenancyOptions { TenantInApplicationName = true });

        var inStatement = await ApplicationNameAsync(bound, OrdersFixture.A);
        var otherTenant = await ApplicationNameAsync(bound, OrdersFixture.B);
        await using var plain = await pool.OpenConnectionAsync(TestContext.Current.CancellationToken);
        var afterwards = await Db.ScalarAsync<string>(plain, "SHOW application_name");

        Assert.Equal($"tenant:{OrdersFixture.A}", inStatement);
        Assert.Equal($"tenant:{OrdersFixture.B}", otherTenant);
        Assert.Equal("shop-web", afterwards);
    }

    [Fact]
    public async Task Off_by_default_the_application_name_is_left_alone()
    {
        await using var pool = Pool(throughPgBouncer: false);
        await using var bound = pool.WithTenancy();

        Assert.Equal("shop-web", await ApplicationNameAsync(bound, OrdersFixture.A));
    }

    private NpgsqlDataSource Pool(bool throughPgBouncer) => NpgsqlDataSource.Create(
        new NpgsqlConnectionStringBuilder(orders.Database.ConnectionString(TestRole.App, throughPgBouncer)) { ApplicationName = "shop-web", MaxPoolSize = 1 }.ConnectionString);

    private static async Task<string> ApplicationNameAsync(TenantDataSource dataSource, TenantId tenant)
    {
        using var scope = TenantScope.Begin(tenant);
        await using var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('application_name')";
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
