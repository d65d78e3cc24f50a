using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using PgTenancy.EntityFrameworkCore;

namespace PgTenancy.Docs.Tests.Snippets;

// The small shop the documentation's snippets use: orders and invoices of many tenants.

public sealed class Order
{
    public Guid TenantId { get; set; }
    public long Id { get; set; }
    public string Customer { get; set; } = "";
}

public sealed class Invoice
{
    public Guid TenantId { get; set; }
    public long Id { get; set; }
    public DateOnly DueDate { get; set; }
    public bool Paid { get; set; }
    public bool Overdue { get; set; }
}

public sealed class ShopContext(DbContextOptions<ShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    public DbSet<Invoice> Invoices => Set<Invoice>();

    #region ef-model
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.HasKey(o => new { o.TenantId, o.Id });        // keys start with the tenant column
            order.Property(o => o.Id).UseIdentityByDefaultColumn();  // a composite key gets no generated id unless asked
            order.IsTenantScoped(o => o.TenantId);              // migrations: ENABLE + FORCE RLS, a policy on TenantId
        });
        modelBuilder.Entity<Invoice>(invoice =>
        {
            invoice.HasKey(i => new { i.TenantId, i.Id });
            invoice.Property(i => i.Id).UseIdentityByDefaultColumn();
            invoice.IsTenantScoped(i => i.TenantId);
        });
    }
    #endregion
}

/// <summary>The shop's schema for the snippets that run (the isolation kit's), granted to the "shop" database's app role.</summary>
[DbContext(typeof(ShopContext))]
[Migration("20261127000000_Shop")]
public sealed class ShopMigration : Migration
{
    private const string AppRole = "shop_app";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable("Orders", table => new
        {
            TenantId = table.Column<Guid>(),
            Id = table.Column<long>().Annotation("Npgsql:ValueGenerationStrategy", Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
            Customer = table.Column<string>(),
        }, constraints: table => table.PrimaryKey("PK_Orders", x => new { x.TenantId, x.Id }));
        migrationBuilder.CreateTable("Invoices", table => new
        {
            TenantId = table.Column<Guid>(),
            Id = table.Column<long>().Annotation("Npgsql:ValueGenerationStrategy", Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
            DueDate = table.Column<DateOnly>(),
            Paid = table.Column<bool>(),
            Overdue = table.Column<bool>(),
        }, constraints: table => table.PrimaryKey("PK_Invoices", x => new { x.TenantId, x.Id }));
        migrationBuilder.InstallTenantBinding();
        migrationBuilder.GrantTenantPrivileges(AppRole);
        migrationBuilder.EnableTenantIsolation("Orders", "TenantId", appRoles: [AppRole]);
        migrationBuilder.EnableTenantIsolation("Invoices", "TenantId", appRoles: [AppRole]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DisableTenantIsolation("Invoices", "TenantId", appRoles: [AppRole]);
        migrationBuilder.DisableTenantIsolation("Orders", "TenantId", appRoles: [AppRole]);
        migrationBuilder.RevokeTenantPrivileges(AppRole);
        migrationBuilder.UninstallTenantBinding();
        migrationBuilder.DropTable("Invoices");
        migrationBuilder.DropTable("Orders");
    }
}
