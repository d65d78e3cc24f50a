using Microsoft.EntityFrameworkCore;
using PgTenancy.EntityFrameworkCore;

namespace WebApi.Domain;

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    public DbSet<Invoice> Invoices => Set<Invoice>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            // Keys start with the tenant column: ids stay unique per tenant, and a foreign key can only point at
            // the same tenant's rows (the doctor's RLS-08 and RLS-09 checks).
            order.HasKey(o => new { o.TenantId, o.Id });
            order.Property(o => o.Id).UseIdentityAlwaysColumn();
            order.Property(o => o.Total).HasPrecision(12, 2);
            order.IsTenantScoped(o => o.TenantId);
        });
        modelBuilder.Entity<Invoice>(invoice =>
        {
            invoice.ToTable("invoices");
            invoice.HasKey(i => new { i.TenantId, i.Id });
            invoice.Property(i => i.Id).UseIdentityAlwaysColumn();
            invoice.Property(i => i.Amount).HasPrecision(12, 2);
            invoice.Property(i => i.Status).HasConversion<string>().HasMaxLength(16);
            invoice.HasOne<Order>().WithMany(o => o.Invoices).HasForeignKey(i => new { i.TenantId, i.OrderId });
            invoice.IsTenantScoped(i => i.TenantId);
        });

        // PostgreSQL's own style, so that SQL, policies and the doctor's findings read naturally: tenant_id, order_id.
        foreach (var property in modelBuilder.Model.GetEntityTypes().SelectMany(e => e.GetProperties()))
        {
            property.SetColumnName(SnakeCase(property.Name));
        }
    }

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
