using Microsoft.EntityFrameworkCore;
using PgTenancy.EntityFrameworkCore.Metadata;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

public sealed class ModelTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await shop.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task IsTenantScoped_records_the_tenant_property_as_a_model_annotation()
    {
        await using var context = shop.App();

        var order = context.Model.FindEntityType(typeof(Order))!;

        Assert.Equal(nameof(Order.TenantId), order.FindAnnotation(TenancyAnnotationNames.TenantProperty)?.Value);
        Assert.False(order.FindTenantProperty()!.IsNullable);
    }

    [Fact]
    public async Task The_convention_marks_entities_by_property_name_and_they_are_filled_on_insert()
    {
        using var scope = TenantScope.Begin(ShopFixture.C);
        await using var context = new UnmarkedShopContext(shop.AppOptionsFor<UnmarkedShopContext>(o => o.TenantPropertyConvention()));

        var line = context.Model.FindEntityType(typeof(OrderLine))!;
        context.Orders.Add(new Order { Customer = "by convention", Lines = [new OrderLine { Product = "q" }] });
        await context.SaveChangesAsync();

        Assert.Equal(nameof(OrderLine.TenantId), line.FindTenantProperty()?.Name);
        Assert.Equal(ShopFixture.OrdersPerTenant + 1, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.C)]);
    }

    [Fact]
    public async Task Without_the_convention_unmarked_entities_are_not_tenant_scoped()
    {
        await using var context = new UnmarkedShopContext(shop.AppOptionsFor<UnmarkedShopContext>(_ => { }));

        Assert.Null(context.Model.FindEntityType(typeof(Order))!.FindTenantProperty());
    }

    [Fact]
    public void UseTenancy_without_the_PostgreSQL_provider_says_what_to_add()
    {
        var options = new DbContextOptionsBuilder<ShopContext>().UseTenancy().Options;

        var error = Assert.Throws<InvalidOperationException>(() => new ShopContext(options));

        Assert.Contains("UseNpgsql", error.Message);
    }

    /// <summary>The shop model without IsTenantScoped calls.</summary>
    public sealed class UnmarkedShopContext(DbContextOptions<UnmarkedShopContext> options) : DbContext(options)
    {
        public DbSet<Order> Orders => Set<Order>();

        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<Order>(order =>
            {
                order.ToTable("orders");
                order.Property(o => o.Version).IsRowVersion();
                order.HasMany(o => o.Lines).WithOne().HasForeignKey(l => l.OrderId);
            });
            modelBuilder.Entity<OrderLine>().ToTable("order_lines");
        }
    }
}
