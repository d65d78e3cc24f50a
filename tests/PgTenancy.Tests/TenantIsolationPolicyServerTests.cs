using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>The generated DDL on a real server: exact inverses, and errors that explain themselves.</summary>
public sealed class TenantIsolationPolicyServerTests(ServerFixture server) : IAsyncLifetime
{
    private TestDatabase? _database;

    private TestDatabase Database => _database!;

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync();
        await Db.ExecuteAsync(Database.OwnerConnectionString, """
            CREATE TABLE public.items (tenant_id uuid NOT NULL, id int NOT NULL, PRIMARY KEY (tenant_id, id));
            CREATE TABLE public.numbered (tenant_id bigint NOT NULL, id int NOT NULL);
            """);
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    // Privileges are compared by meaning: a NULL ACL is the owner's default ACL spelled out (a GRANT then a REVOKE
    // leaves the default written explicitly, which grants exactly the same).
    private const string CatalogSnapshot = """
        SELECT coalesce(string_agg(x, ' | ' ORDER BY x), '') FROM (
          SELECT c.relname || ':rls=' || c.relrowsecurity || ',force=' || c.relforcerowsecurity AS x
            FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
          UNION ALL SELECT 'policy:' || tablename || '.' || policyname || ':' || array_to_string(roles, ',') || ':' || coalesce(qual, '') || ':' || coalesce(with_check, '')
            FROM pg_policies WHERE schemaname = 'public'
          UNION ALL SELECT 'acl:' || c.relname || ':' || pg_get_userbyid(a.grantee) || ':' || a.privilege_type
            FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a WHERE c.relnamespace = 'public'::regnamespace
          UNION ALL SELECT 'default:' || pg_get_userbyid(a.grantee) || ':' || d.defaclobjtype::text || ':' || a.privilege_type
            FROM pg_default_acl d, aclexplode(d.defaclacl) a
          UNION ALL SELECT 'schema:' || n.nspname || ':' || pg_get_userbyid(a.grantee) || ':' || a.privilege_type
            FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a WHERE n.nspname = 'public') s
        """;

    [Fact]
    public async Task Enable_then_Disable_leaves_the_catalog_as_it_was()
    {
        var policy = new TenantIsolationPolicy("items", "tenant_id") { Schema = "public", AppRoles = [Database.AppRole] };
        var before = await Db.ScalarAsync<string>(Database.AdminConnectionString, CatalogSnapshot);

        await Db.ExecuteAsync(Database.OwnerConnectionString, policy.EnableSql());
        var enabled = await Db.ScalarAsync<string>(Database.AdminConnectionString, CatalogSnapshot);
        await Db.ExecuteAsync(Database.OwnerConnectionString, policy.DisableSql());
        var after = await Db.ScalarAsync<string>(Database.AdminConnectionString, CatalogSnapshot);

        Assert.Contains("items:rls=true,force=true", enabled);
        Assert.Contains($"policy:items.tenant_isolation:{Database.AppRole}", enabled);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Enabling_twice_is_a_clear_error()
    {
        var policy = new TenantIsolationPolicy("numbered", "tenant_id") { Schema = "public", TenantKind = TenantIdKind.BigInt };
        await Db.ExecuteAsync(Database.OwnerConnectionString, policy.EnableSql());

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Database.OwnerConnectionString, policy.EnableSql()));

        Assert.Contains("already enabled", error.MessageText);
        Assert.Contains("public.numbered", error.MessageText);
        await Db.ExecuteAsync(Database.OwnerConnectionString, policy.DisableSql());
    }

    [Theory]
    [InlineData("missing_table", "tenant_id", TenantIdKind.Uuid, "table public.missing_table does not exist")]
    [InlineData("items", "tenant", TenantIdKind.Uuid, "table public.items has no column tenant")]
    [InlineData("items", "tenant_id", TenantIdKind.BigInt, "column public.items.tenant_id is uuid, but the tenant kind is bigint")]
    public async Task Bad_targets_are_refused_with_the_object_and_the_fix_named(string table, string column, TenantIdKind kind, string message)
    {
        var policy = new TenantIsolationPolicy(table, column) { Schema = "public", TenantKind = kind };

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Database.OwnerConnectionString, policy.EnableSql()));

        Assert.Contains(message, error.MessageText);
        Assert.Equal("items:rls=false,force=false", (await Db.ScalarAsync<string>(Database.AdminConnectionString,
            "SELECT 'items:rls=' || relrowsecurity || ',force=' || relforcerowsecurity FROM pg_class WHERE relname = 'items'")));
    }

    [Fact]
    public async Task The_app_role_from_the_role_SQL_reads_and_writes_but_cannot_truncate_create_or_own()
    {
        var role = Database.Name + "_made_app";
        var before = await Db.ScalarAsync<string>(Database.AdminConnectionString, CatalogSnapshot);
        await Db.ExecuteAsync(Database.AdminConnectionString, TenantRoles.CreateAppRole(role));
        await Db.ExecuteAsync(Database.OwnerConnectionString, TenantRoles.GrantDml(role, "public"));
        await Db.ExecuteAsync(Database.OwnerConnectionString, "CREATE TABLE public.later (tenant_id uuid NOT NULL)");

        await using (var connection = await Db.OpenAsync(Database.AdminConnectionString))
        {
            Assert.True(await Db.ScalarAsync<bool>(connection, $"SELECT has_table_privilege('{role}', 'public.items', 'SELECT,INSERT,UPDATE,DELETE')"));
            Assert.True(await Db.ScalarAsync<bool>(connection, $"SELECT has_table_privilege('{role}', 'public.later', 'SELECT,INSERT,UPDATE,DELETE')"));
            Assert.False(await Db.ScalarAsync<bool>(connection, $"SELECT has_table_privilege('{role}', 'public.items', 'TRUNCATE')"));
            Assert.False(await Db.ScalarAsync<bool>(connection, $"SELECT has_table_privilege('{role}', 'public.items', 'REFERENCES')"));
            Assert.False(await Db.ScalarAsync<bool>(connection, $"SELECT has_schema_privilege('{role}', 'public', 'CREATE')"));
            Assert.False(await Db.ScalarAsync<bool>(connection, $"SELECT pg_has_role('{role}', '{Database.OwnerRole}', 'MEMBER')"));
            Assert.Equal("f,f,f", await Db.ScalarAsync<string>(connection, $"SELECT concat_ws(',', rolsuper, rolbypassrls, rolpassword IS NOT NULL) FROM pg_authid WHERE rolname = '{role}'"));
        }

        await Db.ExecuteAsync(Database.OwnerConnectionString, "DROP TABLE public.later");
        await Db.ExecuteAsync(Database.OwnerConnectionString, TenantRoles.RevokeDml(role, "public"));
        await Db.ExecuteAsync(Database.AdminConnectionString, TenantRoles.DropRole(role));
        Assert.Equal(before, await Db.ScalarAsync<string>(Database.AdminConnectionString, CatalogSnapshot));
    }

    [Fact]
    public async Task Creating_the_app_role_in_a_migration_leaves_a_provisioned_role_alone_even_for_an_owner_without_CREATEROLE()
    {
        var before = await Db.ScalarAsync<string>(Database.AdminConnectionString, RoleAttributes(Database.AppRole));

        // The usual migrator: the owner, NOCREATEROLE; the role was provisioned before (as by pgtenancy harden). Twice: idempotent.
        await Db.ExecuteAsync(Database.OwnerConnectionString, TenantRoles.CreateAppRole(Database.AppRole));
        await Db.ExecuteAsync(Database.OwnerConnectionString, TenantRoles.CreateAppRole(Database.AppRole));

        Assert.Equal(before, await Db.ScalarAsync<string>(Database.AdminConnectionString, RoleAttributes(Database.AppRole)));

        // And the migration's Down leaves it too: the owner may not drop it, and did not make it.
        await Db.ExecuteAsync(Database.OwnerConnectionString, TenantRoles.DropRole(Database.AppRole));
        Assert.Equal(before, await Db.ScalarAsync<string>(Database.AdminConnectionString, RoleAttributes(Database.AppRole)));
    }

    [Fact]
    public async Task A_missing_role_is_refused_to_an_owner_without_CREATEROLE_with_the_fix_and_nothing_is_made()
    {
        var role = Database.Name + "_not_provisioned";

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Database.OwnerConnectionString, TenantRoles.CreateAppRole(role)));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        Assert.Contains(role, error.MessageText, StringComparison.Ordinal);
        Assert.Contains("CREATEROLE", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("pgtenancy harden", error.Hint, StringComparison.Ordinal);
        Assert.Equal(0L, await Db.ScalarAsync<long>(Database.AdminConnectionString, $"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'"));
    }

    [Fact]
    public async Task An_existing_role_that_escapes_row_level_security_is_refused_not_reused()
    {
        var role = Database.Name + "_bypassing";
        await Db.ExecuteAsync(Database.AdminConnectionString, $"CREATE ROLE {role} LOGIN BYPASSRLS");
        try
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Database.AdminConnectionString, TenantRoles.CreateAppRole(role)));

            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
            Assert.Contains("BYPASSRLS", error.MessageText, StringComparison.Ordinal);
            Assert.Contains("NOBYPASSRLS", error.Hint, StringComparison.Ordinal);
        }
        finally
        {
            await Db.ExecuteAsync(Database.AdminConnectionString, $"DROP ROLE {role}");
        }
    }

    private static string RoleAttributes(string role) =>
        $"SELECT concat_ws(',', rolsuper, rolbypassrls, rolcreaterole, rolcanlogin, rolpassword IS NOT NULL, coalesce(shobj_description(oid, 'pg_authid'), '')) FROM pg_authid WHERE rolname = '{role}'";
}
