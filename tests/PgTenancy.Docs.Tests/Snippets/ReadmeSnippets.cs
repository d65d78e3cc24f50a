using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy.AspNetCore;
using PgTenancy.Doctor.Hosting;
using PgTenancy.EntityFrameworkCore;
using PgTenancy.Testing;

namespace PgTenancy.Docs.Tests.Snippets;

internal static class ReadmeSnippets
{
    public static void Example(string[] args)
    {
        #region readme-example
        var builder = WebApplication.CreateBuilder(args);
        var appRole = NpgsqlDataSource.Create(builder.Configuration.GetConnectionString("App")!);   // NOSUPERUSER NOBYPASSRLS, owns nothing

        builder.Services.AddDbContextPool<ShopContext>(o => o.UseNpgsql(appRole).UseTenancy());    // every command bound to the tenant
        builder.Services.AddAuthentication().AddJwtBearer();
        builder.Services.AddPgTenancy(o => o.FromClaim("tenant_id"));                                // the tenant comes from the token
        builder.Services.AddPgTenancyStartupGuard(_ => appRole);                                     // no start as a role that escapes RLS

        var app = builder.Build();
        app.UseAuthentication();
        app.UseTenantResolution();
        app.MapGet("/orders", (ShopContext shop) => shop.Orders.ToListAsync());                      // this tenant's orders only
        app.Run();

        // In OnModelCreating:  modelBuilder.Entity<Order>().IsTenantScoped(o => o.TenantId);
        // dotnet ef migrations add then writes:  migrationBuilder.EnableTenantIsolation("Orders", "TenantId", …);
        #endregion
    }

    public static void PackageReadme(WebApplicationBuilder builder, NpgsqlDataSource appRoleDataSource)
    {
        #region package-readme
        builder.Services.AddDbContextPool<ShopContext>(o => o.UseNpgsql(appRoleDataSource).UseTenancy());
        builder.Services.AddPgTenancy(o => o.FromClaim("tenant_id"));
        // app.UseAuthentication(); app.UseTenantResolution();  — every query and SaveChanges is bound to the request's tenant
        #endregion
    }

    public static async Task TestServer()
    {
        #region test-server
        await using var server = await PostgresServer.StartAsync(b => b.WithPgBouncer());   // TLS 1.3, SCRAM, pgaudit, PgBouncer
        await using var database = await server.CreateDatabaseAsync("shop");                // roles shop_owner and shop_app
        var app = database.ConnectionString(TestRole.App, throughPgBouncer: true);
        #endregion
        _ = app;
    }
}
