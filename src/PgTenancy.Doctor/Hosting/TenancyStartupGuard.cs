using Microsoft.Extensions.Hosting;
using Npgsql;

namespace PgTenancy.Doctor.Hosting;

/// <summary>
/// Stops the application from starting when its own database role is a superuser or BYPASSRLS (or a member of one),
/// or owns a table: with such a role row-level security silently does not apply, so serving requests would serve
/// every tenant's rows. Throws <see cref="TenancyConfigurationException"/> from the host's start.
/// </summary>
public sealed class TenancyStartupGuard(NpgsqlDataSource appDataSource, string tenantColumn = TenancyDefaults.TenantColumn) : IHostedService
{
    private static readonly string[] Fatal = ["ROLE-01", "ROLE-02", "ROLE-03"];

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var report = await TenancyDoctor.CheckOwnRoleAsync(appDataSource, tenantColumn, cancellationToken).ConfigureAwait(false);
        var fatal = report.Findings.Where(f => Fatal.Contains(f.CheckId)).ToList();
        if (fatal.Count > 0)
        {
            throw new TenancyConfigurationException(
                "The application's database role escapes row-level security, so it was not started: "
                + string.Join("; ", fatal.Select(f => $"{f.Subject} {f.Message}"))
                + ". Connect as a role with NOSUPERUSER NOBYPASSRLS that owns no table (see docs/doctor.md).");
        }
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
