namespace PgTenancy;

/// <summary>
/// The defaults PgTenancy uses wherever a name is not given: every option, migration operation, doctor check and
/// command-line flag takes its default from here, so they cannot drift apart.
/// </summary>
public static class TenancyDefaults
{
    /// <summary>The custom setting that carries the tenant: <c>app.tenant_id</c>.</summary>
    public const string SettingName = "app.tenant_id";

    /// <summary>The schema of the binding's procedures and the table guard: <c>pgtenancy</c>.</summary>
    public const string Schema = "pgtenancy";

    /// <summary>The name of the tenant policy on each table: <c>tenant_isolation</c>.</summary>
    public const string PolicyName = "tenant_isolation";

    /// <summary>The tenant column's name in SQL-first schemas (the doctor and the tool look for it): <c>tenant_id</c>.</summary>
    public const string TenantColumn = "tenant_id";
}
