using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Quickstart;

/// <summary>
/// The quickstart's schema, as a migration: the orders table, the binding's procedures, the verifier of signed tenant
/// tokens, the application role's privileges and row-level security against the verified tenant — reviewed like any
/// migration, and reversible. No key is in it: keys are added by `pgtenancy keys add` or TenantSigningKeys.
/// </summary>
[DbContext(typeof(ShopContext))]
[Migration("20261126000000_Shop")]
public sealed class ShopMigration : Migration
{
    /// <summary>The application role the policy and the grants name (the quickstart's test database makes it).</summary>
    public const string AppRole = "quickstart_app";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "orders",
            columns: table => new
            {
                tenant_id = table.Column<Guid>(nullable: false),
                id = table.Column<int>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                item = table.Column<string>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_orders", x => new { x.tenant_id, x.id }));
        migrationBuilder.InstallTenantBinding();
        migrationBuilder.InstallTenantVerification();
        migrationBuilder.GrantTenantPrivileges(AppRole);
        migrationBuilder.EnableTenantIsolation("orders", "tenant_id", appRoles: [AppRole], verified: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DisableTenantIsolation("orders", "tenant_id", appRoles: [AppRole], verified: true);
        migrationBuilder.RevokeTenantPrivileges(AppRole);
        migrationBuilder.UninstallTenantVerification();
        migrationBuilder.UninstallTenantBinding();
        migrationBuilder.DropTable(name: "orders");
    }
}
