using Npgsql;
using PgTenancy.Binding;
using Xunit;

namespace PgTenancy.Tests;

public sealed class TenancyOptionsTests
{
    [Theory]
    [InlineData("tenant_id")]
    [InlineData("App.Tenant")]
    [InlineData("app.tenant; DROP TABLE x")]
    [InlineData("app.tenant'id")]
    public void A_setting_name_that_is_not_a_custom_setting_is_refused_with_the_option_named(string name)
    {
        var options = new TenancyOptions { SettingName = name };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("TenancyOptions.SettingName", error.Message);
        Assert.Contains("app.tenant_id", error.Message);
    }

    [Fact]
    public void An_invalid_schema_is_refused_when_the_data_source_is_made()
    {
        using var inner = NpgsqlDataSource.Create("Host=127.0.0.1");

        var error = Assert.Throws<ArgumentException>(() => new TenantDataSource(inner, new TenancyOptions { Schema = "Pg Tenancy" }));

        Assert.Contains("TenancyOptions.Schema", error.Message);
    }

    [Fact]
    public void The_bind_statement_casts_the_tenant_parameter_to_the_kind_and_sets_it_for_the_transaction_through_pg_catalog_only()
    {
        var statement = BindingSql.BindStatement(new TenancyOptions { TenantKind = TenantIdKind.BigInt, SettingName = "app.org_id" }, "$1");

        Assert.Equal("SELECT pg_catalog.set_config('app.org_id', COALESCE(NULLIF($1, '')::pg_catalog.int8::pg_catalog.text, ''), true)", statement);
    }

    [Fact]
    public void The_signed_bind_statement_sets_the_token_as_it_is_for_the_policies_to_verify()
    {
        var statement = BindingSql.BindStatement(new TenancyOptions { SigningKey = TenantSigningKey.Generate(1) }, "$1");

        Assert.Equal("SELECT pg_catalog.set_config('app.tenant_id', COALESCE($1, ''), true)", statement);
    }

    [Fact]
    public void The_install_script_sets_the_setting_transaction_locally_and_is_idempotent()
    {
        var script = BindingSql.InstallScript(TenancyOptions.Default);

        Assert.Contains("CREATE SCHEMA IF NOT EXISTS \"pgtenancy\"", script);
        Assert.Contains("CREATE OR REPLACE PROCEDURE \"pgtenancy\".\"bind_uuid\"(setting_name text, tenant text)", script);
        Assert.Contains("pg_catalog.set_config(setting_name, COALESCE(NULLIF(tenant, '')::pg_catalog.uuid::pg_catalog.text, ''), true)", script);
        Assert.DoesNotContain("GRANT CREATE", script);
    }
}
