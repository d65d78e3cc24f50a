using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

public sealed class TenantTableGuardTests(ServerFixture server) : IAsyncLifetime
{
    private TestDatabase? _database;

    private TestDatabase Database => _database!;

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync();
        await Db.ExecuteAsync(Database.AdminConnectionString, TenantTableGuard.InstallSql("tenant_id"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_new_tenant_table_without_RLS_is_rolled_back_at_commit_with_its_name()
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Database.OwnerConnectionString,
            "BEGIN; CREATE TABLE public.forgotten (tenant_id uuid NOT NULL, id int); COMMIT;"));

        Assert.Contains("forgotten", error.MessageText);
        Assert.Contains("no forced row-level security", error.MessageText);
        Assert.Equal(0L, await Db.ScalarAsync<long>(Database.AdminConnectionString, "SELECT count(*) FROM pg_class WHERE relname = 'forgotten'"));
    }

    [Fact]
    public async Task A_tenant_table_isolated_in_the_same_transaction_is_accepted_and_other_tables_are_left_alone()
    {
        var policy = new TenantIsolationPolicy("isolated", "tenant_id") { Schema = "public" };

        await Db.ExecuteAsync(Database.OwnerConnectionString,
            $"BEGIN; CREATE TABLE public.isolated (tenant_id uuid NOT NULL, id int); {policy.EnableSql()} COMMIT;");
        await Db.ExecuteAsync(Database.OwnerConnectionString, "CREATE TABLE public.lookup (code text)");

        Assert.Equal(2L, await Db.ScalarAsync<long>(Database.AdminConnectionString, "SELECT count(*) FROM pg_class WHERE relname IN ('isolated', 'lookup')"));
        Assert.Equal(0L, await Db.ScalarAsync<long>(Database.AdminConnectionString, "SELECT count(*) FROM pgtenancy.pending_isolation"));
    }

    [Fact]
    public async Task Uninstalling_removes_every_object_the_guard_made()
    {
        await using var database = await server.Server.CreateDatabaseAsync();
        const string objects = "SELECT (SELECT count(*) FROM pg_event_trigger WHERE evtname = 'pgtenancy_tenant_table_guard') + (SELECT count(*) FROM pg_proc WHERE proname IN ('note_tenant_table', 'check_tenant_table')) + (SELECT count(*) FROM pg_class WHERE relname = 'pending_isolation')";

        await Db.ExecuteAsync(database.AdminConnectionString, TenantTableGuard.InstallSql("tenant_id"));
        var installed = await Db.ScalarAsync<long>(database.AdminConnectionString, objects);
        await Db.ExecuteAsync(database.AdminConnectionString, TenantTableGuard.UninstallSql());

        Assert.Equal(4L, installed);
        Assert.Equal(0L, await Db.ScalarAsync<long>(database.AdminConnectionString, objects));
    }
}
