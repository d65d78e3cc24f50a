using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancyWebApp.Data;

var builder = WebApplication.CreateBuilder(args);
var appRole = NpgsqlDataSource.Create(builder.Configuration.GetConnectionString("App")
    ?? throw new InvalidOperationException("Set ConnectionStrings:App to the application role's connection string (user secrets, or the environment variable ConnectionStrings__App)."));

builder.Services.AddDbContextPool<AppDbContext>(o => o.UseNpgsql(appRole).UseTenancy());   // every command bound to the tenant
builder.Services.AddAuthentication().AddJwtBearer();
builder.Services.AddAuthorization();
builder.Services.AddPgTenancy(o => o.FromClaim("tenant_id"));                               // the tenant comes from the token
builder.Services.AddPgTenancyStartupGuard(_ => appRole);                                    // no start as a role that escapes RLS
builder.Services.AddHealthChecks().AddPgTenancyIsolation(_ => appRole);

var app = builder.Build();
app.UseAuthentication();
app.UseTenantResolution();
app.UseAuthorization();

var orders = app.MapGroup("/orders").RequireAuthorization();
orders.MapGet("/", (AppDbContext db) => db.Orders.OrderBy(o => o.Id).ToListAsync());       // this tenant's orders only
orders.MapPost("/", async (NewOrder input, AppDbContext db) =>
{
    var order = new Order { Customer = input.Customer, Total = input.Total };             // TenantId filled in on SaveChanges
    db.Orders.Add(order);
    await db.SaveChangesAsync();
    return Results.Created($"/orders/{order.Id}", order);
});
app.MapHealthChecks("/health");
app.Run();

/// <summary>The body of <c>POST /orders</c>.</summary>
internal sealed record NewOrder(string Customer, decimal Total);
