using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy.Testing;
using PgTenancyWebApp.Data;
using Xunit;

namespace PgTenancyWebApp.Tests;

/// <summary>The isolation kit tries to cross tenants as the application role: reads, writes, moves and deletes of generated rows.</summary>
public sealed class IsolationTests(MigratedDatabase migrated)
{
    [Fact]
    public async Task No_tenant_sees_or_changes_another_tenants_rows()
    {
        var database = migrated.Database;
        var report = await TenantIsolation.VerifyAsync(new PooledDbContextFactory<AppDbContext>(MigratedDatabase.Options(database.AppConnectionString)),
            new IsolationOptions { OracleConnectionString = database.AdminConnectionString, Cases = 100 },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(report.CasesRun > 0, report.ToString());
    }
}
