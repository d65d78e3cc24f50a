using Xunit;

namespace PgTenancy.Tests;

/// <summary>Baselines of the generated SQL (no database): exact text, quoting, each tenant kind.</summary>
public sealed class TenantIsolationPolicySqlTests
{
    [Fact]
    public void Enable_forces_RLS_and_creates_the_InitPlan_policy_for_the_app_roles()
    {
        var sql = new TenantIsolationPolicy("orders", "tenant_id") { Schema = "shop", AppRoles = ["shop_app", "shop_reader"] }.EnableSql();

        Assert.EndsWith("""
            ALTER TABLE "shop"."orders" ENABLE ROW LEVEL SECURITY;
            ALTER TABLE "shop"."orders" FORCE ROW LEVEL SECURITY;
            CREATE POLICY "tenant_isolation" ON "shop"."orders" AS PERMISSIVE FOR ALL TO "shop_app", "shop_reader"
              USING ("tenant_id" = (SELECT NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')::uuid))
              WITH CHECK ("tenant_id" = (SELECT NULLIF(pg_catalog.current_setting('app.tenant_id', true), '')::uuid));
            """, sql);
    }

    [Fact]
    public void Disable_is_the_exact_inverse_in_reverse_order() =>
        Assert.Equal("""
            DROP POLICY "tenant_isolation" ON "shop"."orders";
            ALTER TABLE "shop"."orders" NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE "shop"."orders" DISABLE ROW LEVEL SECURITY;
            """, new TenantIsolationPolicy("orders", "tenant_id") { Schema = "shop" }.DisableSql());

    [Theory]
    [InlineData(TenantIdKind.Uuid, "::uuid)")]
    [InlineData(TenantIdKind.BigInt, "::bigint)")]
    [InlineData(TenantIdKind.Text, "::text)")]
    public void Each_tenant_kind_casts_the_setting_to_its_type(TenantIdKind kind, string cast) =>
        Assert.EndsWith(cast, new TenantIsolationPolicy("t", "c") { TenantKind = kind }.BoundTenantExpression);

    [Fact]
    public void Names_that_need_quotes_are_quoted_everywhere_and_PUBLIC_is_the_default_role()
    {
        var sql = new TenantIsolationPolicy("Order \"Lines\"", "Tenant Id") { Schema = "My Shop", PolicyName = "iso'lation", SettingName = "acme.org" }.EnableSql();

        Assert.Contains("ALTER TABLE \"My Shop\".\"Order \"\"Lines\"\"\" FORCE ROW LEVEL SECURITY;", sql);
        Assert.Contains("CREATE POLICY \"iso'lation\" ON \"My Shop\".\"Order \"\"Lines\"\"\" AS PERMISSIVE FOR ALL TO PUBLIC", sql);
        Assert.Contains("USING (\"Tenant Id\" = (SELECT NULLIF(pg_catalog.current_setting('acme.org', true), '')::uuid))", sql);
        Assert.Contains("a.attname = 'Tenant Id'", sql);
        Assert.Contains("p.polname = 'iso''lation'", sql);
        Assert.Contains("pg_catalog.to_regclass('\"My Shop\".\"Order \"\"Lines\"\"\"')", sql);
    }

    [Fact]
    public void Without_a_schema_the_table_is_unqualified() =>
        Assert.Contains("ALTER TABLE \"orders\" ENABLE ROW LEVEL SECURITY;", new TenantIsolationPolicy("orders", "tenant_id").EnableSql());

    [Fact]
    public void Roles_are_created_least_privileged_and_without_a_password()
    {
        var sql = TenantRoles.CreateAppRole("shop_app");

        Assert.Contains("CREATE ROLE \"shop_app\" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD NULL;", sql);
        Assert.Contains("DROP ROLE \"shop_app\";", TenantRoles.DropRole("shop_app"));
    }

    [Fact]
    public void DML_grants_never_include_TRUNCATE_REFERENCES_or_CREATE_and_revokes_mirror_them()
    {
        var grant = TenantRoles.GrantDml("shop_app", "shop", "shop_migrator");
        var revoke = TenantRoles.RevokeDml("shop_app", "shop", "shop_migrator");

        Assert.Equal("""
            GRANT USAGE ON SCHEMA "shop" TO "shop_app";
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "shop" TO "shop_app";
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "shop" TO "shop_app";
            ALTER DEFAULT PRIVILEGES FOR ROLE "shop_migrator" IN SCHEMA "shop" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "shop_app";
            ALTER DEFAULT PRIVILEGES FOR ROLE "shop_migrator" IN SCHEMA "shop" GRANT USAGE, SELECT ON SEQUENCES TO "shop_app";
            """, grant);
        Assert.Equal("""
            REVOKE SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "shop" FROM "shop_app";
            REVOKE USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "shop" FROM "shop_app";
            ALTER DEFAULT PRIVILEGES FOR ROLE "shop_migrator" IN SCHEMA "shop" REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM "shop_app";
            ALTER DEFAULT PRIVILEGES FOR ROLE "shop_migrator" IN SCHEMA "shop" REVOKE USAGE, SELECT ON SEQUENCES FROM "shop_app";
            REVOKE USAGE ON SCHEMA "shop" FROM "shop_app";
            """, revoke);
        Assert.DoesNotContain("TRUNCATE", grant + TenantRoles.GrantReadOnly("r", "shop"));
        Assert.DoesNotContain("REFERENCES", grant);
        Assert.DoesNotContain("CREATE", grant);
    }
}
