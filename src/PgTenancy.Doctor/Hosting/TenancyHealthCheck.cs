using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace PgTenancy.Doctor.Hosting;

/// <summary>
/// A health check: unhealthy when the application's own role escapes row-level security or a tenant table is not
/// isolated (<see cref="TenancyDoctor.CheckOwnRoleAsync"/>); the description lists the findings, never row data.
/// </summary>
public sealed class TenancyHealthCheck(NpgsqlDataSource appDataSource, string tenantColumn = TenancyDefaults.TenantColumn) : IHealthCheck
{
    /// <inheritdoc/>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            var report = await TenancyDoctor.CheckOwnRoleAsync(appDataSource, tenantColumn, cancellationToken).ConfigureAwait(false);
            var findings = report.Findings.ToList();
            return findings.Count == 0
                ? HealthCheckResult.Healthy(report.TenantTables.Count == 0
                    ? "Tenant isolation: no tenant table found (no table has the tenant column, in any spelling, or PgTenancy's policy), so none was checked; if your tenant column is named otherwise, pass it to AddPgTenancyIsolation."
                    : $"Tenant isolation: the application role is bound by row-level security on every tenant table ({report.TenantTables.Count} found).")
                : new HealthCheckResult(context.Registration.FailureStatus,
                    "Tenant isolation at risk: " + string.Join("; ", findings.Select(f => $"{f.CheckId} {f.Subject}: {f.Message}")));
        }
        catch (NpgsqlException e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The tenant isolation check could not reach the database.", e);
        }
    }
}
