using System.Net;
using System.Net.Http.Json;
using Xunit;

namespace WebApi.Tests;

/// <summary>Tenants through HTTP: each sees and changes only its own orders and invoices; no tenant, no database call.</summary>
public sealed class OrdersApiTests(ShopDatabase shop) : IAsyncLifetime
{
    private readonly ShopApi _api = shop.Api();
    private readonly Guid _a = Guid.NewGuid();
    private readonly Guid _b = Guid.NewGuid();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Fact]
    public async Task A_tenant_reads_only_its_orders_and_another_tenants_ids_are_not_found()
    {
        using var ann = await _api.ClientAsync("ann", _a);
        using var bob = await _api.ClientAsync("bob", _b);
        var order = await CreatedIdAsync(await ann.PostAsJsonAsync("/orders", new { customer = "Acme", total = 40m }, Cancel));
        var invoice = await CreatedIdAsync(await ann.PostAsJsonAsync($"/orders/{order}/invoices", new { amount = 40m, dueOn = "2030-01-01" }, Cancel));
        await CreatedIdAsync(await bob.PostAsJsonAsync("/orders", new { customer = "Globex", total = 7m }, Cancel));

        var annSees = await ann.GetFromJsonAsync<List<OrderRow>>("/orders", Cancel);
        var bobSees = await bob.GetFromJsonAsync<List<OrderRow>>("/orders", Cancel);
        Assert.Equal(["Acme"], annSees!.Select(o => o.Customer));
        Assert.Equal(["Globex"], bobSees!.Select(o => o.Customer));

        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/orders/{order}", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsJsonAsync($"/orders/{order}/invoices", new { amount = 1m, dueOn = "2030-01-01" }, Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsync($"/invoices/{invoice}/pay", null, Cancel)).StatusCode);

        var annInvoices = await ann.GetFromJsonAsync<List<InvoiceRow>>("/invoices", Cancel);
        Assert.Equal("Open", Assert.Single(annInvoices!).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PostAsync($"/invoices/{invoice}/pay", null, Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await ann.PostAsync($"/invoices/{invoice}/pay", null, Cancel)).StatusCode);
    }

    [Fact]
    public async Task Without_a_tenant_claim_or_a_token_the_endpoint_never_runs()
    {
        using var noTenant = await _api.ClientAsync("eve", tenant: null);
        using var anonymous = _api.CreateClient();

        var missing = await noTenant.PostAsJsonAsync("/orders", new { customer = "Planted", total = 1m }, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/orders", Cancel)).StatusCode);
        Assert.Equal(0, await Db.CountAsync(shop.Database.AdminConnectionString, "SELECT count(*) FROM orders WHERE customer = 'Planted'"));
    }

    [Fact]
    public async Task Bad_input_gets_a_problem_and_writes_nothing()
    {
        using var ann = await _api.ClientAsync("ann", _a);

        var response = await ann.PostAsJsonAsync("/orders", new { customer = "", total = -1m }, Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty((await ann.GetFromJsonAsync<List<OrderRow>>("/orders", Cancel))!);
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<long> CreatedIdAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Created>(Cancel))!.Id;
    }

    private sealed record Created(long Id);

    private sealed record OrderRow(long Id, string Customer, decimal Total);

    private sealed record InvoiceRow(long Id, long OrderId, decimal Amount, string Status);
}
