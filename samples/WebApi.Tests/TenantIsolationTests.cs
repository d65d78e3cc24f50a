using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy.EntityFrameworkCore;
using PgTenancy.Testing;
using WebApi.Domain;
using Xunit;

namespace WebApi.Tests;

/// <summary>
/// The isolation kit on the API's model, as the app role signing its tenants like the API: generated tenants, orders, invoices and operation sequences
/// (including writes aimed at other tenants and invoices pointing at another tenant's order), directly and through
/// PgBouncer. This is the test to copy into your own CI.
/// </summary>
public sealed class TenantIsolationTests(ShopDatabase shop)
{
    [Fact]
    public async Task No_tenant_sees_or_changes_another_tenants_orders_or_invoices()
    {
        var app = new DbContextOptionsBuilder<ShopContext>().UseNpgsql(shop.Database.AppConnectionString).UseTenancy(t => t.SigningKey(shop.SigningKey)).Options;

        var report = await TenantIsolation.VerifyAsync(new PooledDbContextFactory<ShopContext>(app), new IsolationOptions
        {
            OracleConnectionString = shop.Database.AdminConnectionString,
            PgBouncerConnectionString = shop.PgBouncerAppConnectionString,
            Cases = 100,
            Log = line => TestContext.Current.TestOutputHelper?.WriteLine(line),
        }, TestContext.Current.CancellationToken);

        Assert.Equal(100, report.CasesRun);
    }
}
