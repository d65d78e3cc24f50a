using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy.AspNetCore;
using PgTenancy.Doctor.Hosting;

namespace PgTenancy.Docs.Tests.Snippets;

internal static class AspNetCoreSnippets
{
    public static void Resolution(WebApplicationBuilder builder)
    {
        #region aspnet-resolution
        builder.Services.AddPgTenancy(o => o
            .FromClaim("tenant_id")          // from the authenticated user's JWT
            .FromHeader("X-Tenant-Id")       // or a header (e.g. for service-to-service calls)
            .Exclude("/health"));            // served without a tenant

        var app = builder.Build();
        app.UseAuthentication();
        app.UseTenantResolution();           // after authentication when the tenant comes from a claim
        #endregion
    }

    public static async Task BackgroundJob(IServiceScopeFactory scopeFactory, IEnumerable<TenantId> tenants, DateOnly today, CancellationToken stoppingToken)
    {
        #region aspnet-background-job
        foreach (var tenant in tenants)
        {
            await scopeFactory.RunAsTenantAsync(tenant, async (services, ct) =>
            {
                var shop = services.GetRequiredService<ShopContext>();
                await shop.Invoices.Where(i => !i.Paid && i.DueDate < today)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.Overdue, true), ct);   // this tenant's rows only
            }, stoppingToken);
        }
        #endregion
    }

    public static void DoctorHosting(WebApplicationBuilder builder)
    {
        #region doctor-hosting
        builder.Services.AddHealthChecks()
            .AddPgTenancyIsolation(sp => sp.GetRequiredService<NpgsqlDataSource>());     // tags: pgtenancy, security
        builder.Services.AddPgTenancyStartupGuard(sp => sp.GetRequiredService<NpgsqlDataSource>());
        #endregion
    }
}
