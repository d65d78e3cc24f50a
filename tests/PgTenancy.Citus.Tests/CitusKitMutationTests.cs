using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Citus.Tests;

/// <summary>On Citus too, the kit fails a schema whose policy lets tenants through: it is not passing for the cluster's sake.</summary>
public sealed class CitusKitMutationTests(CitusShop shop) : IClassFixture<CitusShop>
{
    [Fact]
    public async Task A_policy_that_lets_every_row_through_fails_the_kit_on_the_coordinator()
    {
        await Db.ExecuteAsync(shop.AdminConnectionString, $"""ALTER POLICY tenant_isolation ON "{shop.Schema}".orders USING (true) WITH CHECK (true)""");
        await using var dataSource = shop.AppDataSource();
        var oracle = new NpgsqlConnectionStringBuilder(shop.AdminConnectionString) { SearchPath = shop.Schema }.ConnectionString;

        var failure = await Assert.ThrowsAsync<TenantIsolationException>(() => TenantIsolation.VerifyAsync(
            dataSource,
            CitusShop.TenantTables.Select(table => new TenantTable(table, "tenant_id", shop.Schema)),
            new IsolationOptions { OracleConnectionString = oracle, Cases = 30 },
            TestContext.Current.CancellationToken));

        Assert.Contains("orders", failure.Message, StringComparison.Ordinal);
    }
}
