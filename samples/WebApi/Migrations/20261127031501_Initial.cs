using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace WebApi.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "orders",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    customer = table.Column<string>(type: "text", nullable: false),
                    total = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    placed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_orders", x => new { x.tenant_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "invoices",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    order_id = table.Column<long>(type: "bigint", nullable: false),
                    amount = table.Column<decimal>(type: "numeric(12,2)", precision: 12, scale: 2, nullable: false),
                    due_on = table.Column<DateOnly>(type: "date", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_invoices", x => new { x.tenant_id, x.id });
                    table.ForeignKey(
                        name: "FK_invoices_orders_tenant_id_order_id",
                        columns: x => new { x.tenant_id, x.order_id },
                        principalTable: "orders",
                        principalColumns: new[] { "tenant_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_invoices_tenant_id_order_id",
                table: "invoices",
                columns: new[] { "tenant_id", "order_id" });

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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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

            migrationBuilder.DropTable(
                name: "invoices");

            migrationBuilder.DropTable(
                name: "orders");
        }
    }
}
