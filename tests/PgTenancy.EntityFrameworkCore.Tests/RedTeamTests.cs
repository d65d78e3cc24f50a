using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy.TestSupport;
using PgTenancy.TestSupport.RedTeam;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>A row of the application's raw-SQL report, as EF Core reads it.</summary>
public sealed record DocumentRow(string tenant_id, long id, string? title);

public sealed class DocumentsContext(DbContextOptions<DocumentsContext> options) : DbContext(options);

/// <summary>
/// The same injections through EF Core's raw SQL (<c>SqlQueryRaw</c> with a concatenated string), directly and through
/// PgBouncer: each shown to work first (it crosses in the unsigned posture, or reads the attacker's own rows), then
/// run against tenant B with UseTenancy(o => o.SigningKey(…)), where it reaches none of B's rows.
/// </summary>
public sealed class RedTeamTests(RedTeamFixture redTeam) : IClassFixture<RedTeamFixture>
{
    public static TheoryData<string, bool> Techniques()
    {
        var data = new TheoryData<string, bool>();
        // EF Core reads the first result set of raw SQL: stacked reads are covered by the ADO.NET suite, stacked writes here.
        foreach (var payload in Payloads.All.Where(p => !p.ReadsInAStackedStatement))
        {
            data.Add(payload.Name, false);
            data.Add(payload.Name, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Techniques))]
    public async Task An_injection_through_raw_SQL_reaches_none_of_Bs_rows_when_the_tenant_is_signed(string technique, bool throughPgBouncer)
    {
        var payload = Payloads.All.Single(p => p.Name == technique);

        await RedTeamRun.AssertBlockedAsync(payload, redTeam.Plain, redTeam.Verified, (database, target) => InjectAsync(database, payload, target, throughPgBouncer));
    }

    private static async Task<InjectionOutcome> InjectAsync(DocumentsDatabase database, Payload payload, TenantId target, bool throughPgBouncer)
    {
        await database.ResetAsync();
        var before = await database.SnapshotOfBAsync();
        var dataSource = database.AppDataSource(throughPgBouncer);
        var options = new DbContextOptionsBuilder<DocumentsContext>()
            .UseNpgsql(dataSource)
            .UseTenancy(o =>
            {
                o.AllowMultipleStatements();
                if (database.Options.SigningKey is { } key)
                {
                    o.SigningKey(key);
                }
            })
            .Options;
        var read = new List<string>();
        string? error = null;
        using (TenantScope.Begin(DocumentsDatabase.A))
        {
            try
            {
                await using var context = new DocumentsContext(options);
#pragma warning disable EF1003 // The vulnerable application under test: concatenated on purpose.
                var rows = await context.Database.SqlQueryRaw<DocumentRow>(
                    "SELECT tenant_id::text, id, title FROM documents WHERE title = '" + payload.For(target, database.Options) + "'").ToListAsync();
#pragma warning restore EF1003
                read.AddRange(rows.Select(r => $"{r.tenant_id}|{r.id}|{r.title}"));
            }
            catch (Exception e) when (e is PostgresException or NpgsqlException or InvalidOperationException or NotSupportedException)
            {
                error = e.Message;
            }
        }

        return new InjectionOutcome(read, before, await database.SnapshotOfBAsync(), error);
    }
}
