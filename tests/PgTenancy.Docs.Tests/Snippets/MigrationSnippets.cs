using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using PgTenancy.EntityFrameworkCore;

namespace PgTenancy.Docs.Tests.Snippets;

/// <summary>Compiled, never applied: the migration in docs/migrations-and-roles.md.</summary>
internal sealed class BillingMigration : Migration
{
    #region migrations-example
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        // … CreateTable("invoices", schema: "billing", …) as EF Core writes it …
        migrationBuilder.InstallTenantBinding();                         // bind procedures for manual sessions (optional, idempotent)
        migrationBuilder.CreateTenantAppRole("billing_app");             // PASSWORD NULL: set it at deploy time
        migrationBuilder.GrantTenantPrivileges("billing_app", "billing"); // DML only, now and for future tables
        migrationBuilder.EnableTenantIsolation("invoices", "TenantId", appRoles: ["billing_app"], schema: "billing");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DisableTenantIsolation("invoices", "TenantId", appRoles: ["billing_app"], schema: "billing");
        migrationBuilder.RevokeTenantPrivileges("billing_app", "billing");
        migrationBuilder.DropTenantRole("billing_app");
        migrationBuilder.UninstallTenantBinding();
        // … DropTable …
    }
    #endregion
}

/// <summary>Compiled, never applied: the getting-started guide's second migration.</summary>
internal sealed class AppRolePrivileges : Migration
{
    #region gs-app-role-migration
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.InstallTenantBinding();              // pgtenancy.bind_uuid(…) for sessions that bind by hand (optional)
        migrationBuilder.CreateTenantAppRole("shop_app");     // left as it is if provisioned; else made (needs CREATEROLE)
        migrationBuilder.GrantTenantPrivileges("shop_app");   // SELECT/INSERT/UPDATE/DELETE, never TRUNCATE or ownership
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.RevokeTenantPrivileges("shop_app");
        migrationBuilder.DropTenantRole("shop_app");
        migrationBuilder.UninstallTenantBinding();
    }
    #endregion
}
