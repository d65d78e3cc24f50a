using Microsoft.EntityFrameworkCore.Migrations;
using PgTenancyWebApp.Data;

#nullable disable

namespace PgTenancyWebApp.Migrations
{
    /// <inheritdoc />
    public partial class AppRole : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTenantAppRole(AppRoles.App);     // checks the provisioned role; makes it only if the migrator may (CREATEROLE)
            migrationBuilder.GrantTenantPrivileges(AppRoles.App);   // SELECT/INSERT/UPDATE/DELETE, never TRUNCATE or ownership
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RevokeTenantPrivileges(AppRoles.App);
            migrationBuilder.DropTenantRole(AppRoles.App);          // only a role these migrations made, and only if allowed
        }
    }
}
