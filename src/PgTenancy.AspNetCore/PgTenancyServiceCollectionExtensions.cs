using Microsoft.Extensions.DependencyInjection.Extensions;
using PgTenancy;
using PgTenancy.AspNetCore;

// In the DI namespace, where ASP.NET Core's own Add… methods are.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PgTenancy's request tenant resolution.</summary>
public static class PgTenancyServiceCollectionExtensions
{
    /// <summary>
    /// Configures how each request's tenant is found (add <c>app.UseTenantResolution()</c> to the pipeline) and
    /// registers <see cref="ITenantAccessor"/> for code that wants the current tenant injected.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddPgTenancy(o => o.FromClaim("tenant_id").FromHeader("X-Tenant-Id"));
    /// </code>
    /// </example>
    public static IServiceCollection AddPgTenancy(this IServiceCollection services, Action<TenantResolutionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.Configure(configure);
        services.TryAddSingleton<ITenantAccessor>(AmbientTenantAccessor.Instance);
        return services;
    }

    /// <summary>
    /// Runs <paramref name="work"/> as <paramref name="tenant"/> in a new DI scope: for hosted services and background
    /// jobs, where there is no request. Services resolved from the scope (a DbContext with <c>UseTenancy()</c>, a
    /// <see cref="TenantDataSource"/>) bind every statement to the tenant.
    /// </summary>
    public static async Task RunAsTenantAsync(
        this IServiceScopeFactory scopes, TenantId tenant, Func<IServiceProvider, CancellationToken, Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(work);
        using var tenantScope = TenantScope.Begin(tenant);
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            await work(scope.ServiceProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}
