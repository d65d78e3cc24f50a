using Xunit;
using PgTenancy.TestSupport.RedTeam;

namespace PgTenancy.Tests.RedTeam;

/// <summary>
/// A SQL injection in tenant A's request, through the application's string-concatenated query on a TenantDataSource,
/// directly and through PgBouncer. Each technique first shows that it works — it crosses tenants against the unsigned
/// posture, or reads the attacker's own rows when aimed at the attacker's own tenant — then is run against tenant B
/// in the verified posture, where it must read, change and lock none of B's rows.
/// </summary>
[Collection(RedTeamGroup.Name)]
public sealed class InjectionTests(RedTeamFixture redTeam)
{
    public static TheoryData<string, bool> Techniques()
    {
        var data = new TheoryData<string, bool>();
        foreach (var payload in Payloads.All)
        {
            data.Add(payload.Name, false);
            data.Add(payload.Name, true);
        }

        return data;
    }

    [Fact]
    public void The_catalogue_has_at_least_thirty_techniques() => Assert.True(Payloads.All.Count >= 30, $"{Payloads.All.Count} techniques");

    [Theory]
    [MemberData(nameof(Techniques))]
    public async Task An_injection_in_tenant_As_request_reaches_none_of_Bs_rows_when_the_tenant_is_signed(string technique, bool throughPgBouncer)
    {
        var payload = Payloads.All.Single(p => p.Name == technique);

        await RedTeamRun.AssertBlockedAsync(payload, redTeam.Plain, redTeam.Verified, (database, target) => InjectAsync(database, payload, target, throughPgBouncer));
    }

    /// <summary>Runs the payload in tenant A's request and compares B's rows before and after, as the superuser sees them.</summary>
    private static async Task<InjectionOutcome> InjectAsync(DocumentsDatabase database, Payload payload, TenantId target, bool throughPgBouncer)
    {
        await database.ResetAsync();
        var before = await database.SnapshotOfBAsync();
        var (read, error) = await database.RunVulnerableQueryAsync(payload.For(target, database.Options), throughPgBouncer);
        return new InjectionOutcome(read, before, await database.SnapshotOfBAsync(), error);
    }
}

[CollectionDefinition(Name)]
public sealed class RedTeamGroup : ICollectionFixture<RedTeamFixture>
{
    public const string Name = "red team";
}
