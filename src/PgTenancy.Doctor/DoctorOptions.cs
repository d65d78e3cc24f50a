namespace PgTenancy.Doctor;

/// <summary>What the doctor needs to know about the application.</summary>
public sealed class DoctorOptions
{
    /// <summary>The role the application connects as (checked for least privilege, and for policies that cover it).</summary>
    public required string AppRole { get; init; }

    /// <summary>The name of the tenant column; a table with it is a tenant table (default <c>tenant_id</c>).</summary>
    public string TenantColumn { get; init; } = TenancyDefaults.TenantColumn;

    /// <summary>The setting that carries the tenant (default <c>app.tenant_id</c>); pinning it per role or database is a finding.</summary>
    public string SettingName { get; init; } = TenancyDefaults.SettingName;

    /// <summary>The schema of PgTenancy's binding objects, where the token verifier is (default <c>pgtenancy</c>).</summary>
    public string BindingSchema { get; init; } = TenancyDefaults.Schema;

    /// <summary>A pgbouncer.ini to check as well (checks PGB-01 to PGB-05 run only when one is given).</summary>
    public string? PgBouncerConfigPath { get; init; }

    /// <summary>A pgbackrest.conf to check for repository encryption (BAK-02 runs only when one is given).</summary>
    public string? PgBackRestConfigPath { get; init; }

    /// <summary>The JSON report of the last restore test (<c>pgtenancy backup verify --report</c>); BAK-03 runs only when one is given.</summary>
    public string? RestoreReportPath { get; init; }

    /// <summary>The output of <c>pgbackrest info --output=json</c>; BAK-04 (a successful backup in the last day) runs only when one is given.</summary>
    public string? PgBackRestInfoPath { get; init; }
}
