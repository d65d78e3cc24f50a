using Microsoft.EntityFrameworkCore;
using WebApi.Domain;

namespace WebApi.Endpoints;

/// <summary>A tenant's invoices: list them, pay one.</summary>
public static class InvoiceEndpoints
{
    public static void MapInvoiceEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var invoices = endpoints.MapGroup("/invoices").RequireAuthorization();

        invoices.MapGet("/", async (InvoiceStatus? status, ShopContext shop, CancellationToken cancellationToken) =>
            await shop.Invoices
                .Where(i => status == null || i.Status == status)
                .OrderBy(i => i.Id)
                .Select(i => new { i.Id, i.OrderId, i.Amount, i.DueOn, i.Status })
                .ToListAsync(cancellationToken));

        invoices.MapPost("/{id:long}/pay", async (long id, ShopContext shop, CancellationToken cancellationToken) =>
        {
            // One statement: paying another tenant's invoice id changes no row, so it reads as not found.
            var paid = await shop.Invoices
                .Where(i => i.Id == id && i.Status != InvoiceStatus.Paid)
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InvoiceStatus.Paid), cancellationToken);
            if (paid == 1)
            {
                return Results.NoContent();
            }

            return await shop.Invoices.AnyAsync(i => i.Id == id, cancellationToken)
                ? Results.Problem("The invoice is already paid.", statusCode: StatusCodes.Status409Conflict)
                : Results.NotFound();
        });
    }
}
