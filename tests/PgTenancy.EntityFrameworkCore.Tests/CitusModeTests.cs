using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>
/// <c>UseTenancy(o => o.Citus())</c> on plain PostgreSQL: the query filter carries the tenant as a parameter that EF Core
/// evaluates at every execution (Citus routes on it), never a constant frozen into the compiled query; SaveChanges of
/// a single row runs in a transaction (Citus forwards SET LOCAL only there). On a cluster: PgTenancy.Citus.Tests.
/// </summary>
public sealed class CitusModeTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    private readonly Recorder _recorder = new();

    public async ValueTask InitializeAsync() => await shop.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_query_filter_sends_the_current_tenant_as_a_parameter_at_every_execution()
    {
        await using var context = Context();
        foreach (var tenant in ShopFixture.Tenants)
        {
            using var scope = TenantScope.Begin(tenant);
            var seen = await context.Orders.Where(o => o.Amount > 0).Select(o => o.TenantId).Distinct().ToListAsync();

            Assert.Equal([ShopFixture.Id(tenant)], seen);
            Assert.DoesNotContain(tenant.Value, _recorder.Sql, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(ShopFixture.Id(tenant), _recorder.Values);
        }
    }

    [Fact]
    public async Task SaveChanges_of_one_row_runs_in_a_transaction_and_is_bound()
    {
        await using var context = Context();
        using var scope = TenantScope.Begin(ShopFixture.B);
        context.Orders.Add(new Order { Customer = "one", Amount = 1 });

        await context.SaveChangesAsync();

        Assert.Equal(AutoTransactionBehavior.Always, context.Database.AutoTransactionBehavior);
        Assert.Equal(ShopFixture.OrdersPerTenant + 1, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.B)]);
    }

    private ShopContext Context() =>
        new(new DbContextOptionsBuilder<ShopContext>(shop.AppOptionsFor<ShopContext>(o => o.Citus())).AddInterceptors(_recorder).Options);

    private sealed class Recorder : DbCommandInterceptor
    {
        public string Sql { get; private set; } = "";

        public List<object?> Values { get; } = [];

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Sql = command.CommandText;
            Values.Clear();
            Values.AddRange(command.Parameters.Cast<DbParameter>().Select(p => p.Value));
            return ValueTask.FromResult(result);
        }
    }
}
