using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Testing.Tests.Isolation;

/// <summary>The EF Core entry point: tables from the model, LINQ/Find/SaveChanges/ExecuteUpdate/ExecuteDelete under test.</summary>
public sealed class EntityFrameworkTests(ServerFixture fixture)
{
    private static readonly string[] ShopTables = ["customers", "orders"];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_kit_passes_on_a_correct_EF_Core_model(bool pgBouncer)
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ShopTables);

        var report = await TenantIsolation.VerifyAsync(Factory(shop), shop.Options(cases: 40, pgBouncer: pgBouncer));

        Assert.Equal(40, report.CasesRun);
        Assert.Equal(["customers", "orders"], report.Tables);
    }

    [Fact]
    public async Task The_kit_finds_USING_true_through_EF_Core_operations_alone()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ShopTables, mutation: Mutation.UsingTrue("orders"));
        var options = shop.Options(cases: 100, checkCatalog: false);

        var error = await Assert.ThrowsAsync<TenantIsolationException>(() => TenantIsolation.VerifyAsync(Factory(shop), new IsolationOptions
        {
            OracleConnectionString = options.OracleConnectionString,
            Cases = options.Cases,
            CheckCatalog = false,
            Operations = IsolationOperations.EntityFramework,
        }));

        Assert.True(error.Oracle == "model", error.Message);
        Assert.True(error.Message.Contains("EF Core", StringComparison.Ordinal) && error.Message.Contains("another tenant", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public async Task A_context_without_UseTenancy_is_refused_with_the_fix()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ShopTables);
        var factory = new PooledDbContextFactory<KitShopContext>(new DbContextOptionsBuilder<KitShopContext>()
            .UseNpgsql(shop.Database.AppConnectionString).Options);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => TenantIsolation.VerifyAsync(factory, shop.Options()));

        Assert.Contains("UseTenancy()", error.Message, StringComparison.Ordinal);
    }

    private static PooledDbContextFactory<KitShopContext> Factory(ShopModel shop) =>
        new(new DbContextOptionsBuilder<KitShopContext>()
            .UseNpgsql(new Npgsql.NpgsqlConnectionStringBuilder(shop.Database.AppConnectionString) { MaxPoolSize = 3 }.ConnectionString)
            .UseTenancy()
            .Options);
}
