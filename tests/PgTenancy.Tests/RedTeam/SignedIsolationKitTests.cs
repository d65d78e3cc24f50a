using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport.RedTeam;
using Xunit;

namespace PgTenancy.Tests.RedTeam;

/// <summary>The isolation kit runs against the signed posture through a signing TenantDataSource, as users' CI would.</summary>
[Collection(RedTeamGroup.Name)]
public sealed class SignedIsolationKitTests(RedTeamFixture redTeam)
{
    [Fact]
    public async Task The_isolation_kit_passes_on_verified_policies_with_a_signing_data_source()
    {
        var database = redTeam.Verified;
        await database.ResetAsync();
        await using var dataSource = database.BoundDataSource(throughPgBouncer: false);

        var report = await TenantIsolation.VerifyAsync(dataSource, [new TenantTable("documents")],
            new IsolationOptions { OracleConnectionString = database.Database.AdminConnectionString, Cases = 30 });

        Assert.Equal(30, report.CasesRun);
    }
}
