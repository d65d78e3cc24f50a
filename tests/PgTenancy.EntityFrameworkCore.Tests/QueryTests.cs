using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>Every way EF Core reads or bulk-writes is bound to the scope's tenant, as the app role.</summary>
public sealed class QueryTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    private static readonly Func<ShopContext, int, IAsyncEnumerable<Order>> OrdersAbove =
        EF.CompileAsyncQuery((ShopContext context, int amount) => context.Orders.Where(o => o.Amount > amount));

    public async ValueTask InitializeAsync() => await shop.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Linq_queries_return_only_the_scope_tenants_rows()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();

        var orders = await context.Orders.ToListAsync();
        var noTracking = await context.Orders.AsNoTracking().Where(o => o.Amount >= 1).ToListAsync();
        var count = await context.Orders.CountAsync();

        Assert.Equal(ShopFixture.OrdersPerTenant, orders.Count);
        Assert.All(orders.Concat(noTracking), o => Assert.Equal(ShopFixture.Id(ShopFixture.A), o.TenantId));
        Assert.Equal(ShopFixture.OrdersPerTenant, count);
    }

    [Fact]
    public async Task Include_and_split_queries_are_bound_on_every_statement()
    {
        using var scope = TenantScope.Begin(ShopFixture.B);
        await using var context = shop.App();

        var single = await context.Orders.Include(o => o.Lines).ToListAsync();
        var split = await context.Orders.Include(o => o.Lines).AsSplitQuery().ToListAsync();

        foreach (var orders in new[] { single, split })
        {
            Assert.Equal(ShopFixture.OrdersPerTenant, orders.Count);
            Assert.All(orders, o => Assert.Equal(ShopFixture.Id(ShopFixture.B), Assert.Single(o.Lines).TenantId));
        }
    }

    [Fact]
    public async Task Compiled_and_streaming_queries_are_bound_per_execution()
    {
        await using var context = shop.App();

        foreach (var tenant in new[] { ShopFixture.A, ShopFixture.C, ShopFixture.A })
        {
            using var scope = TenantScope.Begin(tenant);
            var compiled = new List<Order>();
            await foreach (var order in OrdersAbove(context, 0))
            {
                compiled.Add(order);
            }

            var streamed = new List<Guid>();
            await foreach (var order in context.Orders.AsNoTracking().AsAsyncEnumerable())
            {
                streamed.Add(order.TenantId);
            }

            Assert.All(compiled, o => Assert.Equal(ShopFixture.Id(tenant), o.TenantId));
            Assert.Equal(ShopFixture.OrdersPerTenant, streamed.Count);
            Assert.All(streamed, t => Assert.Equal(ShopFixture.Id(tenant), t));
            context.ChangeTracker.Clear();
        }
    }

    [Fact]
    public async Task Find_of_another_tenants_key_finds_nothing()
    {
        var foreignId = await shop.AnOrderIdOfAsync(ShopFixture.B);

        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var other = shop.App();

        Assert.Null(await other.Orders.FindAsync(foreignId));
        Assert.Null(other.Orders.Find(foreignId));
    }

    [Fact]
    public async Task Raw_SQL_FromSql_SqlQuery_and_ExecuteSql_are_bound()
    {
        using var scope = TenantScope.Begin(ShopFixture.C);
        await using var context = shop.App();
        var minimum = 0;

        var fromSql = await context.Orders.FromSql($"SELECT *, xmin FROM orders WHERE \"Amount\" > {minimum}").ToListAsync();
        var totals = await context.Database.SqlQuery<OrderTotal>($"SELECT \"TenantId\", sum(\"Amount\")::int AS \"Total\" FROM orders GROUP BY 1").ToListAsync();
        var updated = await context.Database.ExecuteSqlAsync($"UPDATE orders SET \"Amount\" = \"Amount\" WHERE \"Amount\" > {minimum}");
        var syncUpdated = context.Database.ExecuteSqlRaw("UPDATE orders SET \"Amount\" = \"Amount\"");

        Assert.All(fromSql, o => Assert.Equal(ShopFixture.Id(ShopFixture.C), o.TenantId));
        Assert.Equal(ShopFixture.Id(ShopFixture.C), Assert.Single(totals).TenantId);
        Assert.Equal(ShopFixture.OrdersPerTenant, updated);
        Assert.Equal(ShopFixture.OrdersPerTenant, syncUpdated);
    }

    [Fact]
    public async Task Raw_SQL_with_explicit_Npgsql_parameters_is_bound()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();

        var orders = await context.Orders.FromSqlRaw("SELECT *, xmin FROM orders WHERE \"Amount\" > @min", new Npgsql.NpgsqlParameter("min", 2)).ToListAsync();

        Assert.Equal(ShopFixture.OrdersPerTenant - 2, orders.Count);
        Assert.All(orders, o => Assert.Equal(ShopFixture.Id(ShopFixture.A), o.TenantId));
    }

    [Fact]
    public async Task ExecuteUpdate_and_ExecuteDelete_without_a_filter_touch_only_the_scope_tenants_rows()
    {
        using (TenantScope.Begin(ShopFixture.A))
        {
            await using var context = shop.App();
            Assert.Equal(ShopFixture.OrdersPerTenant, await context.Orders.ExecuteUpdateAsync(s => s.SetProperty(o => o.Amount, 0)));
            Assert.Equal(ShopFixture.OrdersPerTenant, await context.Lines.ExecuteDeleteAsync());
            Assert.Equal(0, context.Orders.Where(o => o.TenantId == ShopFixture.Id(ShopFixture.B)).ExecuteDelete());
        }

        var lines = await shop.CountsAsync("order_lines");
        Assert.False(lines.ContainsKey(ShopFixture.Id(ShopFixture.A)));
        Assert.Equal(ShopFixture.OrdersPerTenant, lines[ShopFixture.Id(ShopFixture.B)]);
        Assert.Equal(ShopFixture.OrdersPerTenant, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.B)]);
    }

    [Fact]
    public async Task Synchronous_queries_are_bound()
    {
        using var scope = TenantScope.Begin(ShopFixture.B);
        using var context = shop.App();

        var orders = context.Orders.Include(o => o.Lines).ToList();

        Assert.Equal(ShopFixture.OrdersPerTenant, orders.Count);
        Assert.All(orders, o => Assert.Equal(ShopFixture.Id(ShopFixture.B), o.TenantId));
    }

    [Fact]
    public async Task Without_a_tenant_a_query_throws_before_anything_is_sent()
    {
        await using var context = shop.App();

        await Assert.ThrowsAsync<TenantContextMissingException>(() => context.Orders.ToListAsync());
        Assert.Throws<TenantContextMissingException>(() => context.Orders.Count());
    }

    [Fact]
    public async Task Pooled_contexts_and_the_model_cache_do_not_freeze_the_first_tenant()
    {
        var factory = new PooledDbContextFactory<ShopContext>(shop.AppOptions());

        foreach (var tenant in new[] { ShopFixture.A, ShopFixture.B, ShopFixture.C, ShopFixture.A })
        {
            using var scope = TenantScope.Begin(tenant);
            await using var context = await factory.CreateDbContextAsync();
            var tenants = await context.Orders.Select(o => o.TenantId).Distinct().ToListAsync();
            Assert.Equal([ShopFixture.Id(tenant)], tenants);
        }
    }
}
