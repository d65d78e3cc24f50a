using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Citus.Tests;

/// <summary>
/// The unforgeable tenant context on Citus: the verifier runs on the workers (where the shards' policies call it) with
/// its keys as a reference table that no login role may read; a signed tenant reads its rows, a tenant set without a
/// valid token — as an injection or a stolen password would — reads none.
/// </summary>
public sealed class CitusSignedTenantTests(CitusShop shop) : IClassFixture<CitusShop>, IAsyncLifetime
{
    private string BindingSchema => shop.Schema + "_binding";

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_signed_tenant_reads_its_rows_on_the_workers_and_a_forged_one_reads_none()
    {
        var key = TenantSigningKey.Generate(1);
        var options = new TenancyOptions { Citus = true, Schema = BindingSchema, SigningKey = key };
        await using (var owner = NpgsqlDataSource.Create(shop.AdminConnectionString))
        {
            await TenancyInstaller.InstallVerificationAsync(owner, options);
            await TenantSigningKeys.AddAsync(owner, key, options);
        }

        var raw = new TenantIsolationPolicy("orders", "tenant_id") { Schema = shop.Schema, AppRoles = [shop.AppRole], Citus = true };
        var verified = new TenantIsolationPolicy("orders", "tenant_id") { Schema = shop.Schema, AppRoles = [shop.AppRole], Citus = true, Verified = true, BindingSchema = BindingSchema };
        await Db.ExecuteAsync(shop.AdminConnectionString, $"BEGIN;\n{raw.DisableSql()}\n{verified.EnableSql()}\nCOMMIT;");

        Assert.Equal(
            ["reference table", "distributed function", "distributed function"],
            await ListAsync(shop.AdminConnectionString, $"""
                SELECT 'reference table' FROM pg_dist_partition WHERE logicalrelid = '"{BindingSchema}".tenant_keys'::regclass AND partmethod = 'n'
                UNION ALL
                SELECT 'distributed function' FROM pg_dist_object WHERE classid = 'pg_proc'::regclass
                  AND objid IN ('"{BindingSchema}".verified_tenant(text)'::regprocedure, '"{BindingSchema}".refused_tenant_token(text)'::regprocedure)
                """));
        Assert.False(await Db.ScalarAsync<bool>(shop.AdminConnectionString, $"""SELECT has_table_privilege('{shop.AppRole}', '"{BindingSchema}".tenant_keys', 'SELECT')"""));

        await using var signed = shop.AppDataSource(options);
        await using var unsigned = shop.AppDataSource(new TenancyOptions { Citus = true, Schema = BindingSchema });
        using var scope = TenantScope.Begin(CitusShop.A);
        Assert.Equal((long)CitusShop.OrdersPerTenant, await CountAsync(signed));
        Assert.Equal(0L, await CountAsync(unsigned));
    }

    private static async Task<long> CountAsync(TenantDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM orders");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<string>> ListAsync(string connectionString, string sql)
    {
        await using var connection = await Db.OpenAsync(connectionString);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        if (shop.Configured)
        {
            await Db.ExecuteAsync(shop.AdminConnectionString, $"""DROP SCHEMA IF EXISTS "{BindingSchema}" CASCADE""");
        }
    }
}
