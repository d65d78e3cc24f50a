using Microsoft.Extensions.DependencyInjection.Extensions;
using PgTenancy;
using PgTenancy.AspNetCore;

// In the DI namespace, where ASP.NET Core's own Add… methods are.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PgTenancy's request tenant resolution.</summary>
public static class PgTenancyServiceCollectionExtensions
{
    /// <summary>
    /// Configures how each request's tenant is found (add <c>app.UseTenantResolution()</c> to the pipeline). The tenant
    /// is then <see cref="TenantScope.Current"/> for the rest of the request, which is what the binding reads.
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
        PackageVersions.EnsureSiblingsMatch(typeof(TenantResolutionOptions).Assembly);
        services.Configure(configure);
        return services;
    }

    /// <summary>
    /// Registers a <see cref="TenantDataSource"/> (for ADO.NET and Dapper) over the application role's data source, and
    /// its <see cref="TenancyOptions"/>, which tenant resolution then takes its tenant kind from. The data source binds
    /// the tenant that <see cref="TenancyOptions.TenantAccessor"/> reads (by default the request's, through
    /// <see cref="TenantScope"/>).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="appDataSource">The application role's Npgsql data source (NOSUPERUSER NOBYPASSRLS, owns no table).</param>
    /// <param name="options">The binding options; <see cref="TenancyOptions.Default"/> when omitted.</param>
    /// <example>
    /// <code>
    /// builder.Services.AddNpgsqlDataSource(builder.Configuration.GetConnectionString("App")!);
    /// builder.Services.AddTenantDataSource(sp => sp.GetRequiredService&lt;NpgsqlDataSource&gt;());
    /// app.MapGet("/orders", async (TenantDataSource db) => await db.OpenConnectionAsync() /* Dapper: connection.QueryAsync… */);
    /// </code>
    /// </example>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static IServiceCollection AddTenantDataSource(
        this IServiceCollection services, Func<IServiceProvider, Npgsql.NpgsqlDataSource> appDataSource, TenancyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(appDataSource);
        PackageVersions.EnsureSiblingsMatch(typeof(TenantResolutionOptions).Assembly);
        options ??= TenancyOptions.Default;
        options.Validate();
        services.TryAddSingleton(options);
        services.TryAddSingleton(provider => new TenantDataSource(appDataSource(provider), provider.GetRequiredService<TenancyOptions>()));
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
