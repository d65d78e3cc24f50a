using Npgsql;
using PgTenancy.Doctor;
using PgTenancyWebApp.Data;
using Xunit;

namespace PgTenancyWebApp.Tests;

/// <summary>The doctor on the migrated database: the roles, privileges and row-level security the migrations made pass at high.</summary>
public sealed class DoctorTests(MigratedDatabase migrated)
{
    [Fact]
    public async Task The_migrated_database_has_no_high_findings()
    {
        await using var admin = NpgsqlDataSource.Create(migrated.Database.AdminConnectionString);
        var report = await TenancyDoctor.RunAsync(admin, new DoctorOptions { AppRole = AppRoles.App }, TestContext.Current.CancellationToken);

        Assert.NotEmpty(report.TenantTables);
        var findings = report.Findings.Where(f => f.Severity >= Severity.High).Select(f => $"{f.CheckId} ({f.Severity}) {f.Subject}: {f.Message}");
        Assert.True(!report.HasFindingsAtOrAbove(Severity.High), string.Join("\n", findings));
    }
}
