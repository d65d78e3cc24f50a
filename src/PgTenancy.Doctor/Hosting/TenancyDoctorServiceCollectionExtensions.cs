using PgTenancy;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using PgTenancy.Doctor.Hosting;

// In the DI namespace, beside AddHealthChecks() and AddHostedService().
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PgTenancy's health check and startup guard.</summary>
public static class TenancyDoctorServiceCollectionExtensions
{
    /// <summary>
    /// Adds a health check named <c>pgtenancy</c> that is unhealthy when the application's role escapes row-level
    /// security or a tenant table is not isolated. <paramref name="appDataSource"/> picks the application's data source.
    /// </summary>
    public static IHealthChecksBuilder AddPgTenancyIsolation(
        this IHealthChecksBuilder builder, Func<IServiceProvider, NpgsqlDataSource> appDataSource, string tenantColumn = TenancyDefaults.TenantColumn)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(appDataSource);
        return builder.Add(new HealthCheckRegistration(
            "pgtenancy", provider => new TenancyHealthCheck(appDataSource(provider), tenantColumn), HealthStatus.Unhealthy, ["pgtenancy", "security"]));
    }

    /// <summary>
    /// Refuses to start the application when its own role is a superuser, BYPASSRLS (or a member of one) or owns a table.
    /// </summary>
    public static IServiceCollection AddPgTenancyStartupGuard(
        this IServiceCollection services, Func<IServiceProvider, NpgsqlDataSource> appDataSource, string tenantColumn = TenancyDefaults.TenantColumn)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(appDataSource);
        return services.AddHostedService(provider => new TenancyStartupGuard(appDataSource(provider), tenantColumn));
    }
}
