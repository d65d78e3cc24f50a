using PgTenancy.TestSupport.RedTeam;
using Xunit;

namespace PgTenancy.Tests.RedTeam;

/// <summary>
/// What an injection reaches around the tables: other sessions' query text (the literal search terms of other tenants'
/// requests) and temporary objects that would shadow a tenant table for a later client. Open in the plain posture
/// (the control), closed in the hardened one.
/// </summary>
[Collection(RedTeamGroup.Name)]
public sealed class SessionExposureTests(RedTeamFixture redTeam)
{
    private const string Secret = "B-secret-search-term";

    [Fact]
    public async Task An_injection_does_not_read_another_tenants_query_text_when_session_statistics_are_hidden()
    {
        var plain = await ReadOtherSessionsAsync(redTeam.Plain);
        var hardened = await ReadOtherSessionsAsync(redTeam.Verified);

        Assert.Contains(Secret, plain, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, hardened, StringComparison.Ordinal);
        Assert.Contains("permission denied", hardened, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_injection_cannot_plant_a_temporary_table_when_TEMPORARY_is_revoked()
    {
        const string Plant = "x'; CREATE TEMP TABLE documents AS SELECT * FROM public.documents; --";

        var plain = await InjectAsync(redTeam.Plain, Plant);
        var hardened = await InjectAsync(redTeam.Verified, Plant);

        Assert.Null(plain);
        Assert.Contains("permission denied", hardened, StringComparison.Ordinal);
    }

    // Tenant B's request runs a long query with a literal in it while tenant A's request injects a read of pg_stat_activity.
    private static async Task<string> ReadOtherSessionsAsync(DocumentsDatabase database)
    {
        await using var victim = database.BoundDataSource(throughPgBouncer: false);
        Task running;
        using (TenantScope.Begin(DocumentsDatabase.B))
        {
            running = Task.Run(async () =>
            {
                await using var connection = await victim.OpenConnectionAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT pg_sleep(2), count(*) FROM documents WHERE title = '{Secret}'";
                await command.ExecuteNonQueryAsync();
            });
        }

        await Task.Delay(700);
        var seen = await InjectAsync(database, "x' UNION ALL SELECT usename::text, pid, query FROM pg_stat_activity --", read: true);
        await running;
        return seen ?? "";
    }

    // What the injection returned: its rows, or the server's refusal.
    private static async Task<string?> InjectAsync(DocumentsDatabase database, string payload, bool read = false)
    {
        var (rows, error) = await database.RunVulnerableQueryAsync(payload, throughPgBouncer: false);
        return error ?? (read ? string.Join('\n', rows) : null);
    }
}
