using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApi.Migrations
{
    /// <inheritdoc />
    public partial class VerifiedTenants : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Written by hand after `dotnet ef migrations add VerifiedTenants` (the differ wrote the policy switch): the
            // verifier the verified policies call. Install a key before the signing app deploys (`pgtenancy keys add`);
            // between this migration and that deploy an unsigned app reads no rows (fail closed, docs/security.md).
            migrationBuilder.InstallTenantVerification();

            migrationBuilder.DisableTenantIsolation(
                table: "invoices",
                tenantColumn: "tenant_id",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "webapi_app" });

            migrationBuilder.DisableTenantIsolation(
                table: "orders",
                tenantColumn: "tenant_id",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "webapi_app" });

            migrationBuilder.EnableTenantIsolation(
                table: "invoices",
                tenantColumn: "tenant_id",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "webapi_app" },
                verified: true);

            migrationBuilder.EnableTenantIsolation(
                table: "orders",
                tenantColumn: "tenant_id",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "webapi_app" },
                verified: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DisableTenantIsolation(
                table: "invoices",
                tenantColumn: "tenant_id",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "webapi_app" },
                verified: true);

            migrationBuilder.DisableTenantIsolation(
                table: "orders",
                tenantColumn: "tenant_id",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "webapi_app" },
                verified: true);

            migrationBuilder.EnableTenantIsolation(
                table: "invoices",
                tenantColumn: "tenant_id",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "webapi_app" });

            migrationBuilder.EnableTenantIsolation(
                table: "orders",
                tenantColumn: "tenant_id",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "webapi_app" });

            // The installed keys go with it; after rolling forward again, add a key before the app signs.
            migrationBuilder.UninstallTenantVerification();
        }
    }
}
