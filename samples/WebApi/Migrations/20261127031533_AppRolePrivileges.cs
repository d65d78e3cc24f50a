using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebApi.Migrations
{
    /// <inheritdoc />
    public partial class AppRolePrivileges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Written by hand after `dotnet ef migrations add AppRolePrivileges`: the binding's procedures, and the app
            // role's table privileges (DML only, never TRUNCATE or ownership), now and for tables created later.
            migrationBuilder.InstallTenantBinding();
            migrationBuilder.GrantTenantPrivileges(WebApi.Domain.ShopRoles.App);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RevokeTenantPrivileges(WebApi.Domain.ShopRoles.App);
            migrationBuilder.UninstallTenantBinding();
        }
    }
}
