using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Testing.Tests.Isolation;

/// <summary>On correctly isolated models the kit passes, having run every case it was asked for.</summary>
public sealed class CorrectModelTests(ServerFixture fixture)
{
    [Theory]
    [InlineData(TenantIdKind.Uuid)]
    [InlineData(TenantIdKind.BigInt)]
    [InlineData(TenantIdKind.Text)]
    public async Task The_kit_passes_on_the_five_table_shop_for_each_tenant_kind(TenantIdKind kind)
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, kind);

        var report = await TenantIsolation.VerifyAsync(shop.App(), shop.Tables, shop.Options(cases: 40));

        Assert.Equal(40, report.CasesRun);
        Assert.Equal(0, report.CasesSkippedByTimeBudget);
        Assert.True(report.Operations >= 40, report.ToString());
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public async Task The_kit_passes_through_PgBouncer_with_concurrent_tenants()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server);

        var report = await TenantIsolation.VerifyAsync(shop.App(), shop.Tables, shop.Options(cases: 40, pgBouncer: true));

        Assert.Equal(40, report.CasesRun);
    }
}
