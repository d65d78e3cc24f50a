using Npgsql;
using PgTenancy.Testing;
using Xunit;

namespace PgTenancy.Citus.Tests;

/// <summary>The isolation kit, run as an application would on Citus: through the coordinator, in Citus mode.</summary>
public sealed class CitusIsolationKitTests(CitusShop shop) : IClassFixture<CitusShop>
{
    [Fact]
    public async Task The_kit_passes_through_the_coordinator()
    {
        await using var dataSource = shop.AppDataSource();
        var oracle = new NpgsqlConnectionStringBuilder(shop.AdminConnectionString) { SearchPath = shop.Schema }.ConnectionString;

        var report = await TenantIsolation.VerifyAsync(
            dataSource,
            CitusShop.TenantTables.Select(table => new TenantTable(table, "tenant_id", shop.Schema)),
            new IsolationOptions { OracleConnectionString = oracle, Cases = 30 },
            TestContext.Current.CancellationToken);

        Assert.Equal(30, report.CasesRun);
    }
}
