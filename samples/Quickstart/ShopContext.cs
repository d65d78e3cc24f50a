using Microsoft.EntityFrameworkCore;

namespace Quickstart;

/// <summary>An order in the quickstart's shop: one table, shared by every tenant.</summary>
public sealed class Order
{
    public int Id { get; set; }

    public Guid TenantId { get; set; }

    public string Item { get; set; } = "";
}

/// <summary>The EF Core view of the same table. IsTenantScoped is the only tenancy line in the model.</summary>
public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            order.HasKey(o => new { o.TenantId, o.Id });
            order.Property(o => o.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            order.Property(o => o.TenantId).HasColumnName("tenant_id");
            order.Property(o => o.Item).HasColumnName("item");
            order.IsTenantScoped(o => o.TenantId);
        });
}
