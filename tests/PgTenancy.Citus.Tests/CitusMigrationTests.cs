using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Citus.Tests;

/// <summary>
/// The migrations EF Core writes for a model in Citus mode, run on the cluster: the create script places products as a
/// reference table and the tenant tables distributed by tenant_id and colocated, with subquery-free policies on every
/// shard; the model's switch out of Citus mode (the inverse) makes them plain tables with InitPlan policies again.
/// </summary>
public sealed class CitusMigrationTests(CitusCluster cluster) : IAsyncLifetime
{
    private readonly string _schema = "pgtenancy_citus_migrated_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task The_create_script_places_and_isolates_the_tables_and_its_inverse_puts_them_back()
    {
        var admin = cluster.ConnectionString;
        await Db.ExecuteAsync(admin, $"""CREATE SCHEMA "{_schema}"; CREATE ROLE "{AppRole}" LOGIN""");
        var inSchema = new NpgsqlConnectionStringBuilder(admin) { SearchPath = _schema }.ConnectionString;
        await using var citus = Context(inSchema, citus: true, AppRole);
        await using var plain = Context(inSchema, citus: false, AppRole);

        await RunInTransactionAsync(inSchema, citus.Database.GenerateCreateScript());

        Assert.Equal(
            ["order_lines h tenant_id colocated", "orders h tenant_id colocated", "products n - -"],
            await PlacementAsync(admin));
        Assert.Equal(["order_lines: inline", "orders: inline"], await PoliciesAsync(admin));
        // The policy is on every shard of both tables (32 each, propagated by Citus; the workers also hold the tables themselves, left out).
        Assert.Equal(64L, await Db.ScalarAsync<long>(admin, $"""
            SELECT sum(result::bigint)::bigint FROM run_command_on_workers($$SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{_schema}' AND p.polname = 'tenant_isolation' AND c.relname NOT IN ('orders', 'order_lines')$$)
            """));

        // The doctor on the migrated database: nothing at high or above for its tables and role, no Citus finding.
        await Db.ExecuteAsync(admin, $"""GRANT USAGE ON SCHEMA "{_schema}" TO "{AppRole}"; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{_schema}" TO "{AppRole}" """);
        await using (var adminSource = NpgsqlDataSource.Create(admin))
        {
            var report = await PgTenancy.Doctor.TenancyDoctor.RunAsync(adminSource, new PgTenancy.Doctor.DoctorOptions { AppRole = AppRole }, TestContext.Current.CancellationToken);
            var mine = report.Findings.Where(f => f.Subject.Contains(_schema, StringComparison.Ordinal) || f.Subject.Contains(AppRole, StringComparison.Ordinal)).ToList();
            Assert.True(!mine.Any(f => f.Severity >= PgTenancy.Doctor.Severity.High || f.CheckId.StartsWith("CIT-", StringComparison.Ordinal)),
                string.Join("\n", mine.Select(f => $"{f.CheckId} {f.Subject}: {f.Message}")));
        }

        await RunInTransactionAsync(inSchema, Script(plain, citus));

        Assert.Empty(await PlacementAsync(admin));
        Assert.Equal(["order_lines: subquery", "orders: subquery"], await PoliciesAsync(admin));
    }

    /// <summary>The SQL of the migration from <paramref name="from"/>'s model to <paramref name="to"/>'s.</summary>
    private static string Script(DbContext to, DbContext from)
    {
        var differ = to.GetService<IMigrationsModelDiffer>();
        var operations = differ.GetDifferences(
            from.GetService<IDesignTimeModel>().Model.GetRelationalModel(), to.GetService<IDesignTimeModel>().Model.GetRelationalModel());
        return string.Join("\n", to.GetService<IMigrationsSqlGenerator>().Generate(operations, to.Model).Select(c => c.CommandText));
    }

    private static async Task RunInTransactionAsync(string connectionString, string script) =>
        await Db.ExecuteAsync(connectionString, "BEGIN;\n" + script + "\nCOMMIT;");

    private async Task<List<string>> PlacementAsync(string admin)
    {
        await using var connection = await Db.OpenAsync(admin);
        await using var command = new NpgsqlCommand("""
            SELECT c.relname || ' ' || p.partmethod::text || ' ' || COALESCE(column_to_column_name(p.logicalrelid, p.partkey), '-') || ' '
                   || CASE WHEN p.partmethod = 'n' THEN '-' WHEN count(*) OVER (PARTITION BY p.colocationid) > 1 THEN 'colocated' ELSE 'alone' END
            FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 ORDER BY 1
            """, connection) { Parameters = { new() { Value = _schema } } };
        return await ReadAsync(command);
    }

    private async Task<List<string>> PoliciesAsync(string admin)
    {
        await using var connection = await Db.OpenAsync(admin);
        await using var command = new NpgsqlCommand("""
            SELECT c.relname || ': ' || CASE WHEN pg_get_expr(p.polqual, p.polrelid) LIKE '%SELECT%' THEN 'subquery' ELSE 'inline' END
            FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 ORDER BY 1
            """, connection) { Parameters = { new() { Value = _schema } } };
        return await ReadAsync(command);
    }

    private static async Task<List<string>> ReadAsync(NpgsqlCommand command)
    {
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private string AppRole => _schema + "_app";

    private static CitusShopContext Context(string connectionString, bool citus, string appRole) =>
        new(new DbContextOptionsBuilder<CitusShopContext>().UseNpgsql(connectionString).UseTenancy(o => o.Citus(citus).PolicyRoles(appRole)).Options);

    public async ValueTask DisposeAsync()
    {
        if (cluster.Configured)
        {
            NpgsqlConnection.ClearAllPools();
            await Db.ExecuteAsync(cluster.ConnectionString, $"""DROP SCHEMA IF EXISTS "{_schema}" CASCADE; DROP ROLE IF EXISTS "{AppRole}" """);
        }
    }
}
