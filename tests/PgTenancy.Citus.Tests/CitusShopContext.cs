using Microsoft.EntityFrameworkCore;

namespace PgTenancy.Citus.Tests;

public sealed class CitusOrder
{
    public Guid TenantId { get; set; }

    public long Id { get; set; }

    public string Customer { get; set; } = "";

    public int Amount { get; set; }

    public List<CitusOrderLine> Lines { get; set; } = [];
}

public sealed class CitusOrderLine
{
    public Guid TenantId { get; set; }

    public long Id { get; set; }

    public long OrderId { get; set; }

    public string Product { get; set; } = "";
}

public sealed class CitusProduct
{
    public string Code { get; set; } = "";

    public string Name { get; set; } = "";
}

/// <summary>
/// <see cref="CitusShop"/>'s tables as EF Core sees them: keys and foreign keys lead with the tenant, as distributed
/// tables need (a colocated join is on the distribution column). Unqualified tables: the connection's search path names
/// the fixture's schema, so one model serves every fixture.
/// </summary>
public sealed class CitusShopContext(DbContextOptions<CitusShopContext> options) : DbContext(options)
{
    public DbSet<CitusOrder> Orders => Set<CitusOrder>();

    public DbSet<CitusOrderLine> Lines => Set<CitusOrderLine>();

    public DbSet<CitusProduct> Products => Set<CitusProduct>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<CitusProduct>(product =>
        {
            product.ToTable("products");
            product.IsCitusReferenceTable();
            product.HasKey(p => p.Code);
            product.Property(p => p.Code).HasColumnName("code");
            product.Property(p => p.Name).HasColumnName("name");
        });
        modelBuilder.Entity<CitusOrder>(order =>
        {
            order.ToTable("orders");
            order.IsTenantScoped(o => o.TenantId);
            order.HasKey(o => new { o.TenantId, o.Id });
            order.Property(o => o.TenantId).HasColumnName("tenant_id");
            order.Property(o => o.Id).HasColumnName("id").ValueGeneratedNever();
            order.Property(o => o.Customer).HasColumnName("customer");
            order.Property(o => o.Amount).HasColumnName("amount");
            order.HasMany(o => o.Lines).WithOne().HasForeignKey(l => new { l.TenantId, l.OrderId });
        });
        modelBuilder.Entity<CitusOrderLine>(line =>
        {
            line.ToTable("order_lines");
            line.IsTenantScoped(l => l.TenantId);
            line.HasKey(l => new { l.TenantId, l.Id });
            line.Property(l => l.TenantId).HasColumnName("tenant_id");
            line.Property(l => l.Id).HasColumnName("id").ValueGeneratedNever();
            line.Property(l => l.OrderId).HasColumnName("order_id");
            line.Property(l => l.Product).HasColumnName("product");
            line.HasOne<CitusProduct>().WithMany().HasForeignKey(l => l.Product);
        });
    }
}
