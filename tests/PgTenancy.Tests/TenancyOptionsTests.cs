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
    public void The_bind_statement_names_the_kind_procedure_and_passes_the_tenant_as_a_parameter()
    {
        var statement = BindingSql.BindStatement(new TenancyOptions { TenantKind = TenantIdKind.BigInt, SettingName = "app.org_id" }, "$1");

        Assert.Equal("CALL \"pgtenancy\".\"bind_bigint\"('app.org_id', $1)", statement);
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
