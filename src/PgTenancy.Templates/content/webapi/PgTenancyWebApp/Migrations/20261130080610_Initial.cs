using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace PgTenancyWebApp.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Orders",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Customer = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Total = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Orders", x => new { x.TenantId, x.Id });
                });

            migrationBuilder.EnableTenantIsolation(
                table: "Orders",
                tenantColumn: "TenantId",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "tenantapp_app" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DisableTenantIsolation(
                table: "Orders",
                tenantColumn: "TenantId",
                tenantKind: PgTenancy.TenantIdKind.Uuid,
                appRoles: new[] { "tenantapp_app" });

            migrationBuilder.DropTable(
                name: "Orders");
        }
    }
}
