using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace PgTenancy.EntityFrameworkCore.Binding;

/// <summary>Marks PgTenancy's own interceptors, which run after every other interceptor (see <see cref="TenancyInterceptors"/>).</summary>
internal interface ITenancyInterceptor : IInterceptor;

/// <summary>
/// EF Core's <see cref="IInterceptors"/> with one change: PgTenancy's interceptors run after all others. EF Core runs
/// interceptors registered by extensions before the application's (<c>AddInterceptors</c>); the binding ran first, so
/// application interceptors saw the rewritten SQL, and one that replaced the SQL or the command sent it unbound. Last,
/// the binding applies to the command that is really executed, and the application sees EF Core's own SQL.
/// </summary>
internal sealed class TenancyInterceptors(
    IServiceProvider services, IEnumerable<IInterceptor> injected, IEnumerable<IInterceptorAggregator> aggregators) : IInterceptors
{
    private readonly Dictionary<Type, IInterceptorAggregator> _aggregators = aggregators.ToDictionary(a => a.InterceptorType);
    private List<IInterceptor>? _ordered;

    public TInterceptor? Aggregate<TInterceptor>()
        where TInterceptor : class, IInterceptor =>
        (TInterceptor?)_aggregators[typeof(TInterceptor)].AggregateInterceptors(_ordered ??= Ordered());

    // Read on first use, not in the constructor: EF Core creates loggers, which ask for interceptors, before the
    // context's options can be resolved.
    private List<IInterceptor> Ordered()
    {
        var all = injected.ToList();
        all.AddRange(services.GetRequiredService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors ?? []);
        return [.. all.Where(i => i is not ITenancyInterceptor), .. all.Where(i => i is ITenancyInterceptor)];
    }
}
