using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using WebApi.Jobs;
using Xunit;

namespace WebApi.Tests;

/// <summary>
/// Work across tenants: the per-tenant background job, the admin endpoint behind the audited bypass, the health check
/// and the startup guard.
/// </summary>
public sealed class AdminAndJobTests(ShopDatabase shop) : IAsyncLifetime
{
    private readonly ShopApi _api = shop.Api();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Fact]
    public async Task The_job_marks_each_tenants_past_due_invoices_and_only_admins_see_them_across_tenants_with_an_audit_line()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        using var ann = await _api.ClientAsync("ann", a);
        using var bob = await _api.ClientAsync("bob", b);
        var late = await InvoiceAsync(ann, dueOn: "2020-01-31");
        var notYet = await InvoiceAsync(bob, dueOn: "2099-01-31");
        var lateToo = await InvoiceAsync(bob, dueOn: "2021-06-30");

        await _api.Services.GetRequiredService<OverdueInvoicesJob>().RunOnceAsync(Cancel);

        Assert.Equal("Overdue", await StatusAsync(ann, late));
        Assert.Equal("Open", await StatusAsync(bob, notYet));
        Assert.Equal("Overdue", await StatusAsync(bob, lateToo));

        using var operatorClient = await _api.ClientAsync("ops", tenant: null, admin: true);
        var overdue = await operatorClient.GetFromJsonAsync<List<OverdueRow>>("/admin/overdue-invoices", Cancel);
        Assert.Contains(overdue!, r => r.TenantId == a && r.Id == late);
        Assert.Contains(overdue!, r => r.TenantId == b && r.Id == lateToo);
        Assert.DoesNotContain(overdue!, r => r.TenantId == b && r.Id == notYet);
        Assert.Contains(_api.Log, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("overdue invoices report for operator ops", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Forbidden, (await ann.GetAsync("/admin/overdue-invoices", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Health_is_healthy_as_the_app_role_and_the_app_refuses_to_start_as_a_bypass_role()
    {
        using var client = _api.CreateClient();
        Assert.Equal("Healthy", await client.GetStringAsync("/health", Cancel));

        await using var misconfigured = new ShopApi(shop.BypassConnectionString, shop.BypassConnectionString, shop.SigningKey);
        var refused = Assert.ThrowsAny<Exception>(() => misconfigured.CreateClient());
        Assert.Contains(shop.Database.Name + "_bypass", refused.ToString(), StringComparison.Ordinal);
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<long> InvoiceAsync(HttpClient tenant, string dueOn)
    {
        var order = await tenant.PostAsJsonAsync("/orders", new { customer = "Initech", total = 10m }, Cancel);
        var orderId = (await order.Content.ReadFromJsonAsync<Created>(Cancel))!.Id;
        var invoice = await tenant.PostAsJsonAsync($"/orders/{orderId}/invoices", new { amount = 10m, dueOn }, Cancel);
        Assert.Equal(HttpStatusCode.Created, invoice.StatusCode);
        return (await invoice.Content.ReadFromJsonAsync<Created>(Cancel))!.Id;
    }

    private static async Task<string> StatusAsync(HttpClient tenant, long invoice) =>
        (await tenant.GetFromJsonAsync<List<InvoiceRow>>("/invoices", Cancel))!.Single(i => i.Id == invoice).Status;

    private sealed record Created(long Id);

    private sealed record InvoiceRow(long Id, string Status);

    private sealed record OverdueRow(Guid TenantId, long Id);
}
