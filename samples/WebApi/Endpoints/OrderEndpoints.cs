using Microsoft.EntityFrameworkCore;
using WebApi.Domain;

namespace WebApi.Endpoints;

/// <summary>
/// A tenant's orders. Nothing here mentions the tenant: the request's tenant (from the token) is bound to every
/// statement, so a query sees only that tenant's rows and an insert gets its tenant id.
/// </summary>
public static class OrderEndpoints
{
    public sealed record NewOrder(string Customer, decimal Total);

    public sealed record NewInvoice(decimal Amount, DateOnly DueOn);

    public static void MapOrderEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var orders = endpoints.MapGroup("/orders").RequireAuthorization();

        orders.MapGet("/", async (ShopContext shop, CancellationToken cancellationToken) =>
            await shop.Orders.OrderBy(o => o.Id).Select(o => new { o.Id, o.Customer, o.Total, o.PlacedAt }).ToListAsync(cancellationToken));

        orders.MapGet("/{id:long}", async (long id, ShopContext shop, CancellationToken cancellationToken) =>
            await shop.Orders.Where(o => o.Id == id).Select(o => new { o.Id, o.Customer, o.Total, o.PlacedAt, Invoices = o.Invoices.Select(i => new { i.Id, i.Amount, i.DueOn, i.Status }) })
                .SingleOrDefaultAsync(cancellationToken) is { } order
                ? Results.Ok(order)
                : Results.NotFound()); // another tenant's order is as absent as one that does not exist

        orders.MapPost("/", async (NewOrder request, ShopContext shop, TimeProvider clock, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Customer) || request.Total < 0)
            {
                return Results.Problem("An order needs a customer and a total of zero or more.", statusCode: StatusCodes.Status400BadRequest);
            }

            var order = new Order { Customer = request.Customer, Total = request.Total, PlacedAt = clock.GetUtcNow() };
            shop.Orders.Add(order);
            await shop.SaveChangesAsync(cancellationToken);
            return Results.Created($"/orders/{order.Id}", new { order.Id });
        });

        orders.MapPost("/{id:long}/invoices", async (long id, NewInvoice request, ShopContext shop, CancellationToken cancellationToken) =>
        {
            if (request.Amount <= 0)
            {
                return Results.Problem("An invoice needs an amount above zero.", statusCode: StatusCodes.Status400BadRequest);
            }

            if (!await shop.Orders.AnyAsync(o => o.Id == id, cancellationToken))
            {
                return Results.NotFound();
            }

            var invoice = new Invoice { OrderId = id, Amount = request.Amount, DueOn = request.DueOn, Status = InvoiceStatus.Open };
            shop.Invoices.Add(invoice);
            await shop.SaveChangesAsync(cancellationToken);
            return Results.Created($"/invoices/{invoice.Id}", new { invoice.Id });
        });
    }
}
