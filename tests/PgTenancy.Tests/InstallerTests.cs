using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

public sealed class InstallerTests(OrdersFixture orders) : IClassFixture<OrdersFixture>
{
    [Fact]
    public async Task Installing_is_idempotent_safe_concurrently_and_uninstalling_is_its_inverse()
    {
        await using var database = await orders.Server.CreateDatabaseAsync();
        await using var owner = NpgsqlDataSource.Create(database.OwnerConnectionString);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => TenancyInstaller.InstallAsync(owner)));
        await TenancyInstaller.InstallAsync(owner);
        var installed = await Db.ScalarAsync<long>(database.AdminConnectionString,
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'pgtenancy'");
        await TenancyInstaller.UninstallAsync(owner);
        var schemaLeft = await Db.ScalarAsync<long>(database.AdminConnectionString, "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgtenancy'");

        Assert.Equal(6, installed); // per tenant kind: the binding, and the binding that also names the tenant in application_name
        Assert.Equal(0, schemaLeft);
    }

    [Fact]
    public async Task The_app_role_may_call_the_procedures_but_not_create_anything_in_their_schema()
    {
        await using var connection = await Db.OpenAsync(orders.Database.AppConnectionString);

        var canCreate = await Db.ScalarAsync<bool>(connection, "SELECT has_schema_privilege('pgtenancy', 'CREATE')");
        var canExecute = await Db.ScalarAsync<bool>(connection, "SELECT has_function_privilege('pgtenancy.bind_uuid(text, text)', 'EXECUTE')");

        Assert.False(canCreate);
        Assert.True(canExecute);
    }

    [Fact]
    public async Task Custom_setting_name_schema_and_kind_work_end_to_end()
    {
        await using var database = await orders.Server.CreateDatabaseAsync();
        var options = new TenancyOptions { SettingName = "acme.org", Schema = "acme_binding", TenantKind = TenantIdKind.BigInt };
        await using (var owner = NpgsqlDataSource.Create(database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner, options);
        }

        await using var inner = NpgsqlDataSource.Create(database.AppConnectionString);
        await using var dataSource = new TenantDataSource(inner, options);
        using var scope = TenantScope.Begin(TenantId.From(4711));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('acme.org')";

        Assert.Equal("4711", await command.ExecuteScalarAsync());
    }

    [Fact]
    public void Synchronous_batches_are_bound()
    {
        using var dataSource = orders.BoundDataSource();
        using var scope = TenantScope.Begin(OrdersFixture.C);
        using var connection = dataSource.OpenConnection();
        using var batch = connection.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM orders WHERE tenant_id <> $1") { Parameters = { new NpgsqlParameter { Value = Guid.Parse(OrdersFixture.C.Value) } } });

        Assert.Equal(0L, batch.ExecuteScalar());
    }
}
