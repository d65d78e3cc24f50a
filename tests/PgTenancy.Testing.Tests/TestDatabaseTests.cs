using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Testing.Tests;

public sealed class TestDatabaseTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task App_role_is_least_privileged_and_not_the_owner()
    {
        var database = fixture.Database;
        await using var connection = await Db.OpenAsync(database.AdminConnectionString);

        var attributes = await Db.ScalarAsync<string>(connection,
            $"SELECT concat_ws(',', rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolreplication, rolcanlogin) FROM pg_roles WHERE rolname = '{database.AppRole}'");
        var memberOfOwner = await Db.ScalarAsync<bool>(connection, $"SELECT pg_has_role('{database.AppRole}', '{database.OwnerRole}', 'MEMBER')");
        var databaseOwner = await Db.ScalarAsync<string>(connection, $"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{database.Name}'");

        Assert.Equal("f,f,f,f,f,t", attributes); // super, bypassrls, createdb, createrole, replication, login
        Assert.False(memberOfOwner);
        Assert.Equal(database.OwnerRole, databaseOwner);
    }

    [Fact]
    public async Task App_role_cannot_create_objects_and_owner_can()
    {
        var table = "t_" + Guid.NewGuid().ToString("N")[..8];

        var error = await Assert.ThrowsAsync<PostgresException>(
            () => Db.ExecuteAsync(fixture.Database.AppConnectionString, $"CREATE TABLE public.{table} (id int)"));
        await Db.ExecuteAsync(fixture.Database.OwnerConnectionString, $"CREATE TABLE public.{table} (id int)");

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task Each_role_connects_as_itself()
    {
        var database = fixture.Database;

        Assert.Equal(database.AppRole, await Db.ScalarAsync<string>(database.ConnectionString(TestRole.App), "SELECT current_user"));
        Assert.Equal(database.OwnerRole, await Db.ScalarAsync<string>(database.ConnectionString(TestRole.Owner), "SELECT current_user"));
        Assert.True(await Db.ScalarAsync<bool>(database.ConnectionString(TestRole.Admin), "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
        Assert.Equal(database.Name, await Db.ScalarAsync<string>(database.ConnectionString(TestRole.Owner, throughPgBouncer: true), "SELECT current_database()"));
    }

    [Fact]
    public async Task Dispose_drops_the_database_and_its_roles()
    {
        var database = await fixture.Server.CreateDatabaseAsync(cancellationToken: TestContext.Current.CancellationToken);
        await Db.ExecuteAsync(database.AppConnectionString, "SELECT 1");

        await database.DisposeAsync();

        var left = await Db.ScalarAsync<long>(fixture.Server.AdminConnectionString,
            $"SELECT (SELECT count(*) FROM pg_database WHERE datname = '{database.Name}') + (SELECT count(*) FROM pg_roles WHERE rolname IN ('{database.AppRole}', '{database.OwnerRole}'))");
        Assert.Equal(0, left);
    }

    [Fact]
    public async Task The_bypass_role_reads_every_tenant_under_forced_rls_is_no_superuser_and_goes_with_the_database()
    {
        var database = await fixture.Server.CreateDatabaseAsync(cancellationToken: TestContext.Current.CancellationToken);
        await Db.ExecuteAsync(database.OwnerConnectionString, """
            CREATE TABLE notes (tenant_id int NOT NULL, id int GENERATED ALWAYS AS IDENTITY, PRIMARY KEY (tenant_id, id));
            ALTER TABLE notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
            CREATE POLICY own ON notes USING (tenant_id = current_setting('app.tenant_id', true)::int);
            """);
        var bypass = await database.CreateBypassRoleAsync(TestContext.Current.CancellationToken);
        Assert.Equal(bypass, await database.CreateBypassRoleAsync(TestContext.Current.CancellationToken));

        // A table the owner creates after the role exists is covered by the default privileges.
        await Db.ExecuteAsync(database.OwnerConnectionString, "CREATE TABLE later (tenant_id int NOT NULL)");
        await Db.ExecuteAsync(bypass, "INSERT INTO notes (tenant_id) VALUES (1), (2); INSERT INTO later VALUES (3)");

        Assert.Equal(2, await Db.ScalarAsync<long>(bypass, "SELECT count(*) FROM notes"));
        Assert.Equal("f,t,t", await Db.ScalarAsync<string>(bypass, "SELECT concat_ws(',', rolsuper, rolbypassrls, rolcanlogin) FROM pg_roles WHERE rolname = current_user"));
        Assert.Equal(0, await Db.ScalarAsync<long>(database.OwnerConnectionString, "SELECT count(*) FROM notes"));

        await database.DisposeAsync();
        Assert.Equal(0, await Db.ScalarAsync<long>(fixture.Server.AdminConnectionString, $"SELECT count(*) FROM pg_roles WHERE rolname = '{database.Name}_bypass'"));
    }

    [Theory]
    [InlineData("Orders")]
    [InlineData("1orders")]
    [InlineData("orders; DROP DATABASE postgres")]
    [InlineData("")]
    public async Task A_name_that_is_not_a_plain_identifier_is_refused_before_anything_is_created(string name)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Server.CreateDatabaseAsync(name, TestContext.Current.CancellationToken));

        Assert.Contains("lower-case letters", error.Message);
        Assert.Equal(0, await Db.ScalarAsync<long>(fixture.Server.AdminConnectionString,
            $"SELECT count(*) FROM pg_database WHERE datname = '{name.Replace("'", "''", StringComparison.Ordinal)}'"));
    }

    [Fact]
    public void Asking_for_PgBouncer_on_a_server_without_it_names_the_fix()
    {
        var server = new PostgresServerBuilder().Build();

        var error = Assert.Throws<InvalidOperationException>(() => server.PgBouncerPort);

        Assert.Contains("WithPgBouncer()", error.Message);
    }
}
