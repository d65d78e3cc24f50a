using Microsoft.EntityFrameworkCore;

namespace PgTenancy.Testing.Tests.Isolation;

public sealed class KitCustomer
{
    public Guid TenantId { get; set; }

    public long Id { get; set; }

    public KitCustomerName Name { get; set; }

    public string Email { get; set; } = "";
}

/// <summary>
/// The customers' text column read as an enum stored by name, as applications map status columns: the kit must write
/// only names the model can read back (any other text fails EF Core's read of the row).
/// </summary>
public enum KitCustomerName
{
    Ann,
    Bob,
    Cyd,
}

public sealed class KitOrder
{
    public Guid TenantId { get; set; }

    public int Id { get; set; }

    public long CustomerId { get; set; }

    public decimal Amount { get; set; }

    public DateTime PlacedAt { get; set; }
}

/// <summary>The EF Core view of the shop's customers and orders, marked tenant-scoped, as an application would map them.</summary>
public sealed class KitShopContext(DbContextOptions<KitShopContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<KitCustomer>(customer =>
        {
            customer.ToTable("customers");
            customer.HasKey(c => new { c.TenantId, c.Id });
            customer.Property(c => c.TenantId).HasColumnName("tenant_id");
            customer.Property(c => c.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            customer.Property(c => c.Name).HasColumnName("name").HasConversion<string>();
            customer.Property(c => c.Email).HasColumnName("email");
            customer.HasIndex(c => new { c.TenantId, c.Email }).IsUnique();
            customer.IsTenantScoped(c => c.TenantId);
        });
        modelBuilder.Entity<KitOrder>(order =>
        {
            order.ToTable("orders");
            order.HasKey(o => new { o.TenantId, o.Id });
            order.Property(o => o.TenantId).HasColumnName("tenant_id");
            order.Property(o => o.Id).HasColumnName("id").ValueGeneratedNever();
            order.Property(o => o.CustomerId).HasColumnName("customer_id");
            order.Property(o => o.Amount).HasColumnName("amount").HasPrecision(10, 2);
            order.Property(o => o.PlacedAt).HasColumnName("placed_at").HasDefaultValueSql("now()");
            order.HasOne<KitCustomer>().WithMany().HasForeignKey(o => new { o.TenantId, o.CustomerId });
            order.IsTenantScoped(o => o.TenantId);
        });
    }
}
