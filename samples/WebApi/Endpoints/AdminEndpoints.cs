using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using PgTenancy.EntityFrameworkCore;
using WebApi.Domain;
using WebApi.Hosting;
using WebApi.Jobs;

namespace WebApi.Endpoints;

/// <summary>
/// Operators' endpoints across all tenants: admin role only, and every read goes through the audited bypass — a
/// BYPASSRLS role on its own connection, with the reason and the operator written to the log.
/// </summary>
public static class AdminEndpoints
{
    public static void MapAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin").RequireAuthorization(ShopAuthentication.AdminPolicy);

        admin.MapGet("/overdue-invoices", async (ShopContext shop, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        {
            await using var allTenants = shop.CreateCrossTenantContext($"overdue invoices report for operator {user.FindFirstValue("sub")}");
            return await allTenants.Invoices
                .Where(i => i.Status == InvoiceStatus.Overdue)
                .OrderBy(i => i.TenantId).ThenBy(i => i.Id)
                .Select(i => new { i.TenantId, i.Id, i.Amount, i.DueOn })
                .ToListAsync(cancellationToken);
        });

        admin.MapPost("/jobs/overdue-invoices", async (OverdueInvoicesJob job, CancellationToken cancellationToken) =>
            Results.Ok(new { marked = await job.RunOnceAsync(cancellationToken) }));
    }
}
