using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>
/// 32 concurrent workers with pooled contexts (a pooled context factory over a pool of at most three connections),
/// each switching between random tenants, directly and through PgBouncer: no foreign row is ever read or written.
/// </summary>
public sealed class ConcurrencyTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    private const int Workers = 32;
    private const int OperationsPerWorker = 30;

    public async ValueTask InitializeAsync() => await shop.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_pooled_contexts_never_see_or_write_another_tenants_rows(bool throughPgBouncer)
    {
        await shop.ResetAsync();
        var factory = new PooledDbContextFactory<ShopContext>(shop.AppOptions(throughPgBouncer, maxPoolSize: 3));
        var violations = new ConcurrentQueue<string>();
        var inserted = new ConcurrentDictionary<Guid, int>();

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var i = 0; i < OperationsPerWorker; i++)
            {
                var tenant = ShopFixture.Tenants[random.Next(ShopFixture.Tenants.Length)];
                var operation = random.Next(3);

                // Through PgBouncer, a refusal under server_login_retry ran nothing: the operation is run again.
                await PgBouncerFastFail.RetryAsync(() => RunAsync(factory, worker, i, tenant, operation, violations, inserted));
            }
        }, TestContext.Current.CancellationToken)));

        var counts = await shop.CountsAsync();
        var lines = await shop.CountsAsync("order_lines");
        Assert.Empty(violations);
        foreach (var tenant in ShopFixture.Tenants.Select(ShopFixture.Id))
        {
            Assert.Equal(ShopFixture.OrdersPerTenant + inserted.GetValueOrDefault(tenant), counts[tenant]);
            Assert.Equal(counts[tenant], lines[tenant]);
        }
    }

    private static async Task RunAsync(
        PooledDbContextFactory<ShopContext> factory, int worker, int i, TenantId tenant, int operation,
        ConcurrentQueue<string> violations, ConcurrentDictionary<Guid, int> inserted)
    {
        var id = ShopFixture.Id(tenant);
        using var scope = TenantScope.Begin(tenant);
        await using var context = await factory.CreateDbContextAsync();
        switch (operation)
        {
            case 0:
                foreach (var order in await context.Orders.Include(o => o.Lines).AsNoTracking().ToListAsync())
                {
                    if (order.TenantId != id || order.Lines.Any(l => l.TenantId != id))
                    {
                        violations.Enqueue($"worker {worker} as {tenant} read order {order.Id} of {order.TenantId}");
                    }
                }

                break;
            case 1:
                context.Orders.Add(new Order { Customer = $"w{worker}-{i}", Amount = 1, Lines = [new OrderLine { Product = "p" }] });
                await context.SaveChangesAsync();
                inserted.AddOrUpdate(id, 1, (_, n) => n + 1);
                break;
            default:
                var changed = await context.Orders.Where(o => o.TenantId != id).ExecuteUpdateAsync(s => s.SetProperty(o => o.Amount, -1));
                if (changed != 0)
                {
                    violations.Enqueue($"worker {worker} as {tenant} changed {changed} foreign orders");
                }

                break;
        }
    }
}
