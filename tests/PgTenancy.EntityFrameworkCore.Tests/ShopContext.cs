using Microsoft.EntityFrameworkCore;

namespace PgTenancy.EntityFrameworkCore.Tests;

public sealed class Order
{
    public long Id { get; set; }

    public Guid TenantId { get; set; }

    public string Customer { get; set; } = "";

    public int Amount { get; set; }

    public uint Version { get; set; }

    public List<OrderLine> Lines { get; set; } = [];
}

public sealed class OrderLine
{
    public long Id { get; set; }

    public Guid TenantId { get; set; }

    public long OrderId { get; set; }

    public string Product { get; set; } = "";
}

public sealed record OrderTotal(Guid TenantId, int Total);

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    public DbSet<OrderLine> Lines => Set<OrderLine>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            order.IsTenantScoped(o => o.TenantId);
            order.Property(o => o.Version).IsRowVersion(); // xmin: a concurrency token PostgreSQL maintains
            order.HasMany(o => o.Lines).WithOne().HasForeignKey(l => l.OrderId);
        });
        modelBuilder.Entity<OrderLine>(line =>
        {
            line.ToTable("order_lines");
            line.IsTenantScoped(l => l.TenantId);
        });
    }
}
