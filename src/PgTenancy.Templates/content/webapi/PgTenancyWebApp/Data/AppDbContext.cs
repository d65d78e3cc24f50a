using Microsoft.EntityFrameworkCore;

namespace PgTenancyWebApp.Data;

/// <summary>The application's tables. Every tenant-scoped entity is marked, so its migration enables and forces row-level security.</summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.HasKey(o => new { o.TenantId, o.Id });             // keys start with the tenant column
            order.Property(o => o.Id).UseIdentityByDefaultColumn();  // a composite key gets no generated id unless asked
            order.Property(o => o.Customer).HasMaxLength(200);
            order.Property(o => o.Total).HasPrecision(12, 2);
            order.IsTenantScoped(o => o.TenantId);                   // ENABLE + FORCE RLS, a policy on TenantId for the app role
        });
    }
}
