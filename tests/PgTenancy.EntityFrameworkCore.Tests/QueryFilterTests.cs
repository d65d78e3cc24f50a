using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

public sealed class QueryFilterTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await shop.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_query_filter_is_off_by_default()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();

        Assert.DoesNotContain("\"TenantId\" =", context.Orders.ToQueryString());
    }

    [Fact]
    public async Task The_opt_in_query_filter_compares_the_tenant_and_is_read_at_each_execution()
    {
        var factory = new PooledDbContextFactory<ShopContext>(shop.AppOptions(configure: b => b.UseTenancy(o => o.UseQueryFilter())));

        foreach (var tenant in new[] { ShopFixture.A, ShopFixture.B, ShopFixture.A })
        {
            using var scope = TenantScope.Begin(tenant);
            await using var context = await factory.CreateDbContextAsync();
            var sql = context.Orders.ToQueryString();
            var tenants = await context.Orders.Select(o => o.TenantId).Distinct().ToListAsync();

            Assert.Contains("\"TenantId\" = NULLIF(current_setting('app.tenant_id', TRUE), '')::uuid", sql);
            Assert.Equal([ShopFixture.Id(tenant)], tenants);
        }
    }

    [Fact]
    public async Task A_cross_tenant_context_is_made_without_the_query_filter()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.UseTenancy(o => o.UseQueryFilter().AllowBypass(shop.BypassDataSource()))));
        await using var crossTenant = context.CreateCrossTenantContext("filter test");

        Assert.Equal(3 * ShopFixture.OrdersPerTenant, await crossTenant.Orders.CountAsync());
    }
}
