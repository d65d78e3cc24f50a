using Microsoft.EntityFrameworkCore;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

public sealed class SaveChangesTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await shop.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Batched_inserts_fill_the_tenant_and_return_their_generated_keys()
    {
        using var scope = TenantScope.Begin(ShopFixture.B);
        await using var context = shop.App();
        var orders = Enumerable.Range(1, 4).Select(i => new Order { Customer = $"new{i}", Amount = i, Lines = [new OrderLine { Product = $"x{i}" }] }).ToList();
        context.Orders.AddRange(orders);

        var saved = await context.SaveChangesAsync();

        Assert.Equal(8, saved);
        Assert.All(orders, o => Assert.True(o.Id > 0 && o.Version > 0));
        Assert.All(orders, o => Assert.Equal(ShopFixture.Id(ShopFixture.B), o.TenantId));
        Assert.All(orders.SelectMany(o => o.Lines), l => Assert.Equal(ShopFixture.Id(ShopFixture.B), l.TenantId));
        Assert.Equal(ShopFixture.OrdersPerTenant + 4, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.B)]);
        Assert.Equal(ShopFixture.OrdersPerTenant, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.A)]);
    }

    [Fact]
    public async Task A_single_insert_update_and_delete_are_bound_without_a_transaction()
    {
        using var scope = TenantScope.Begin(ShopFixture.C);
        await using var context = shop.App();

        var order = new Order { Customer = "solo", Amount = 7 };
        context.Add(order);
        Assert.Equal(1, await context.SaveChangesAsync());
        order.Amount = 8;
        Assert.Equal(1, await context.SaveChangesAsync());
        context.Remove(order);
        Assert.Equal(1, context.SaveChanges());

        Assert.Equal(ShopFixture.OrdersPerTenant, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.C)]);
    }

    [Fact]
    public async Task Updates_and_deletes_in_one_batch_keep_their_row_counts()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();
        var orders = await context.Orders.Include(o => o.Lines).OrderBy(o => o.Id).ToListAsync();

        orders[0].Amount = 100;
        orders[1].Customer = "renamed";
        context.Lines.Remove(orders[2].Lines[0]);
        context.Lines.Remove(orders[3].Lines[0]);
        context.Orders.Remove(orders[3]);

        Assert.Equal(5, await context.SaveChangesAsync());
        Assert.Equal(ShopFixture.OrdersPerTenant - 1, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.A)]);
    }

    [Fact]
    public async Task A_stale_xmin_still_raises_DbUpdateConcurrencyException()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var first = shop.App();
        await using var second = shop.App();
        var mine = await first.Orders.OrderBy(o => o.Id).FirstAsync();
        var theirs = await second.Orders.OrderBy(o => o.Id).FirstAsync();
        theirs.Amount = 50;
        await second.SaveChangesAsync();

        mine.Amount = 60;
        var error = await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => first.SaveChangesAsync());

        Assert.Same(mine, Assert.Single(error.Entries).Entity);
    }

    [Fact]
    public async Task A_stale_row_in_the_middle_of_a_batch_is_the_one_reported()
    {
        using var scope = TenantScope.Begin(ShopFixture.B);
        await using var context = shop.App();
        var orders = await context.Orders.OrderBy(o => o.Id).ToListAsync();
        await using (var other = shop.App())
        {
            var changed = await other.Orders.SingleAsync(o => o.Id == orders[2].Id);
            changed.Amount = -5;
            await other.SaveChangesAsync();
        }

        foreach (var order in orders)
        {
            order.Amount += 10;
        }

        var error = await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => context.SaveChangesAsync());

        Assert.Same(orders[2], Assert.Single(error.Entries).Entity);
    }

    [Fact]
    public async Task An_added_entity_of_another_tenant_is_refused_with_its_name_and_key()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();
        context.Orders.Add(new Order { Id = 9999, TenantId = ShopFixture.Id(ShopFixture.B), Customer = "planted" });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => context.SaveChangesAsync());

        Assert.Contains("Order", error.Message);
        Assert.Contains("Id = 9999", error.Message);
        Assert.Contains(ShopFixture.B.Value, error.Message);
        Assert.Equal(ShopFixture.OrdersPerTenant, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.B)]);
    }

    [Fact]
    public async Task Changing_the_tenant_property_is_refused()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();
        var order = await context.Orders.FirstAsync();

        order.TenantId = ShopFixture.Id(ShopFixture.B);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => context.SaveChangesAsync());

        Assert.Contains("never moves between tenants", error.Message);
    }

    [Fact]
    public async Task An_entity_of_another_tenant_attached_and_modified_is_refused()
    {
        var foreignId = await shop.AnOrderIdOfAsync(ShopFixture.B);

        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();
        var forged = new Order { Id = foreignId, TenantId = ShopFixture.Id(ShopFixture.B), Customer = "forged" };
        context.Attach(forged).Property(o => o.Customer).IsModified = true;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => context.SaveChangesAsync());

        Assert.Contains($"Id = {foreignId}", error.Message);
    }

    [Fact]
    public async Task Explicit_transactions_with_savepoints_are_bound()
    {
        using var scope = TenantScope.Begin(ShopFixture.C);
        await using var context = shop.App();
        await using var transaction = await context.Database.BeginTransactionAsync();

        context.Orders.Add(new Order { Customer = "kept", Amount = 1 });
        await context.SaveChangesAsync();
        await transaction.CreateSavepointAsync("before_second");
        context.Orders.Add(new Order { Customer = "undone", Amount = 2 });
        await context.SaveChangesAsync();
        await transaction.RollbackToSavepointAsync("before_second");
        var inside = await context.Orders.CountAsync();
        await transaction.CommitAsync();

        Assert.Equal(ShopFixture.OrdersPerTenant + 1, inside);
        Assert.Equal(ShopFixture.OrdersPerTenant + 1, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.C)]);
    }

    [Fact]
    public async Task The_retrying_execution_strategy_works_with_the_binding()
    {
        using var scope = TenantScope.Begin(ShopFixture.B);
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.UseNpgsql(o => o.EnableRetryOnFailure())));

        context.Orders.Add(new Order { Customer = "retried", Amount = 3 });
        await context.SaveChangesAsync();
        var count = await context.Orders.CountAsync();

        Assert.Equal(ShopFixture.OrdersPerTenant + 1, count);
    }

    [Fact]
    public async Task Without_a_tenant_SaveChanges_throws_and_saves_nothing()
    {
        await using var context = shop.App();
        context.Orders.Add(new Order { TenantId = ShopFixture.Id(ShopFixture.A), Customer = "nobody" });

        await Assert.ThrowsAsync<TenantContextMissingException>(() => context.SaveChangesAsync());

        Assert.Equal(ShopFixture.OrdersPerTenant, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.A)]);
    }

    [Fact]
    public void The_provider_major_version_is_the_one_whose_batching_is_extended()
    {
        var provider = typeof(Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure.NpgsqlDbContextOptionsBuilder).Assembly.GetName().Version!;

#pragma warning disable EF1001 // the pin lives on the options extension, which is EF infrastructure
        Assert.Equal(Infrastructure.Internal.TenancyOptionsExtension.SupportedProviderMajorVersion, provider.Major);
#pragma warning restore EF1001
    }
}
