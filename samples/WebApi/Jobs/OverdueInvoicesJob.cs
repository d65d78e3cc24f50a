using Microsoft.EntityFrameworkCore;
using PgTenancy;
using PgTenancy.AspNetCore;
using PgTenancy.EntityFrameworkCore;
using WebApi.Domain;

namespace WebApi.Jobs;

/// <summary>
/// Marks open invoices past their due date as overdue, tenant by tenant. Only the list of tenants is read across
/// tenants (audited bypass); the update runs as each tenant in turn, under row-level security like a request.
/// Runs every <c>Jobs:OverdueInvoicesEvery</c> (default one hour), and on demand through the admin endpoint.
/// </summary>
public sealed partial class OverdueInvoicesJob(IServiceScopeFactory scopes, IConfiguration configuration, TimeProvider clock, ILogger<OverdueInvoicesJob> logger)
    : BackgroundService
{
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        List<Guid> tenants;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var shop = scope.ServiceProvider.GetRequiredService<ShopContext>();
            await using var allTenants = shop.CreateCrossTenantContext("overdue invoices job: which tenants have open invoices");
            tenants = await allTenants.Invoices.Where(i => i.Status == InvoiceStatus.Open).Select(i => i.TenantId).Distinct().ToListAsync(cancellationToken);
        }

        var marked = 0;
        foreach (var tenant in tenants)
        {
            await scopes.RunAsTenantAsync(TenantId.From(tenant), async (services, ct) =>
            {
                var shop = services.GetRequiredService<ShopContext>();
                marked += await shop.Invoices
                    .Where(i => i.Status == InvoiceStatus.Open && i.DueOn < today)
                    .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InvoiceStatus.Overdue), ct);
            }, cancellationToken);
        }

        LogRun(logger, tenants.Count, marked);
        return marked;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(configuration.GetValue("Jobs:OverdueInvoicesEvery", TimeSpan.FromHours(1)), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailure(logger, e); // the next tick tries again
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Overdue invoices job: {Tenants} tenants with open invoices, {Marked} invoices marked overdue")]
    private static partial void LogRun(ILogger logger, int tenants, int marked);

    [LoggerMessage(Level = LogLevel.Error, Message = "Overdue invoices job failed")]
    private static partial void LogFailure(ILogger logger, Exception exception);
}
