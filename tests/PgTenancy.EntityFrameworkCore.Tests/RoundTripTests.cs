using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>
/// Round trips counted on the wire: the same EF operations as the superuser without PgTenancy (the baseline: same
/// SQL, no binding) and as the app role with it. Queries and SaveChanges both carry the bind in their own round trip.
/// </summary>
public sealed class RoundTripTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await shop.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<long> CountAsync(TestRoleChoice role, Func<ShopContext, Task> operation)
    {
        var (proxy, connectionString) = LoopbackProxy.InFrontOf(
            role == TestRoleChoice.Admin ? shop.Database.AdminConnectionString : shop.Database.AppConnectionString);
        await using var _ = proxy;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var options = new DbContextOptionsBuilder<ShopContext>().UseNpgsql(dataSource);
        if (role == TestRoleChoice.AppWithTenancy)
        {
            options.UseTenancy();
        }

        await using (var warm = new ShopContext(options.Options))
        {
            await warm.Orders.Where(o => o.TenantId == ShopFixture.Id(ShopFixture.A)).CountAsync(); // type loading, role check
        }

        proxy.Reset();
        await using var context = new ShopContext(options.Options);
        await operation(context);
        return proxy.RoundTrips;
    }

    public static TheoryData<string> Operations() => ["query", "include split query", "single insert", "batched inserts", "update and delete"];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task PgTenancy_adds_no_round_trip(string operation)
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        var tenant = ShopFixture.Id(ShopFixture.A);

        var baseline = await CountAsync(TestRoleChoice.Admin, context => RunAsync(operation, context, tenant));
        await shop.ResetAsync();
        var bound = await CountAsync(TestRoleChoice.AppWithTenancy, context => RunAsync(operation, context, tenant));

        Assert.True(baseline > 0);
        Assert.Equal(baseline, bound);
    }

    private static async Task RunAsync(string operation, ShopContext context, Guid tenant)
    {
        switch (operation)
        {
            case "query":
                await context.Orders.Where(o => o.TenantId == tenant && o.Amount > 1).ToListAsync();
                break;
            case "include split query":
                await context.Orders.Where(o => o.TenantId == tenant).Include(o => o.Lines).AsSplitQuery().ToListAsync();
                break;
            case "single insert":
                context.Orders.Add(new Order { TenantId = tenant, Customer = "one" });
                await context.SaveChangesAsync();
                break;
            case "batched inserts":
                context.Orders.AddRange(Enumerable.Range(0, 3).Select(i => new Order { TenantId = tenant, Customer = $"b{i}" }));
                await context.SaveChangesAsync();
                break;
            case "update and delete":
                var orders = await context.Orders.Where(o => o.TenantId == tenant).Include(o => o.Lines).OrderBy(o => o.Id).Take(2).ToListAsync();
                orders[0].Amount = 42;
                context.Lines.RemoveRange(orders[1].Lines);
                await context.SaveChangesAsync();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(operation), operation, null);
        }
    }

    private enum TestRoleChoice
    {
        Admin,
        AppWithTenancy,
    }
}
