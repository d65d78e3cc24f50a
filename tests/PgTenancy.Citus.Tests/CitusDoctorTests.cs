using Npgsql;
using PgTenancy.Doctor;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Citus.Tests;

/// <summary>
/// The doctor on a Citus coordinator: silent at high and above on the shop (distributed, colocated, policies on every
/// shard), and its Citus checks fire for a local tenant table, one distributed by another column, one outside the
/// colocation group, and a shard whose row-level security was switched off on a worker. Findings are read for this
/// fixture's schema and role only: other tests' schemas share the database.
/// </summary>
public sealed class CitusDoctorTests(CitusShop shop) : IClassFixture<CitusShop>
{
    [Fact]
    public async Task The_shop_passes_and_each_Citus_mistake_is_found()
    {
        var clean = await RunAsync();
        Assert.All(["CIT-01", "CIT-02", "CIT-03", "CIT-04"], id => Assert.Contains(clean.Results, r => r.Check.Id == id));
        var serious = Mine(clean).Where(f => f.Severity >= Severity.High).Select(f => $"{f.CheckId} {f.Subject}: {f.Message}").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
        Assert.DoesNotContain(Mine(clean), f => f.CheckId.StartsWith("CIT-", StringComparison.Ordinal));

        await Db.ExecuteAsync(shop.AdminConnectionString, $"""
            BEGIN;
            SET search_path = "{shop.Schema}";
            CREATE TABLE notes (tenant_id uuid NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
            CREATE TABLE visits (tenant_id uuid NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
            CREATE TABLE invoices (tenant_id uuid NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
            SELECT create_distributed_table('visits', 'id');
            SELECT create_distributed_table('invoices', 'tenant_id', colocate_with => 'none');
            COMMIT;
            SELECT run_command_on_placements('"{shop.Schema}".orders', 'ALTER TABLE %s NO FORCE ROW LEVEL SECURITY');
            """);
        var broken = Mine(await RunAsync()).Where(f => f.CheckId.StartsWith("CIT-", StringComparison.Ordinal))
            .Select(f => $"{f.CheckId} {f.Subject.Split('.')[^1]}: {f.Message}").ToList();

        Assert.Contains("CIT-01 notes: is a local table on the coordinator, not distributed", broken);
        Assert.Contains("CIT-01 visits: is distributed by id, not by its tenant column tenant_id", broken);
        Assert.Contains(broken, f => f.StartsWith("CIT-02 invoices: is in colocation group", StringComparison.Ordinal));
        Assert.Equal(32, broken.Count(f => f.StartsWith("CIT-03 orders shard ", StringComparison.Ordinal) && f.EndsWith("has no forced row-level security or no policy", StringComparison.Ordinal)));
    }

    private async Task<DoctorReport> RunAsync()
    {
        await using var admin = NpgsqlDataSource.Create(shop.AdminConnectionString);
        return await TenancyDoctor.RunAsync(admin, new DoctorOptions { AppRole = shop.AppRole }, TestContext.Current.CancellationToken);
    }

    // This fixture's objects and role; the test cluster's own settings (TLS, pg_hba) are not what is under test here.
    private IEnumerable<Finding> Mine(DoctorReport report) =>
        report.Findings.Where(f => f.Subject.Contains(shop.Schema, StringComparison.Ordinal) || f.Subject.Contains(shop.AppRole, StringComparison.Ordinal));
}
