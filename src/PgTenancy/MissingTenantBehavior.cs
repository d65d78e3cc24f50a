namespace PgTenancy;

/// <summary>What a tenant-bound data source does with a statement executed while no tenant is current.</summary>
public enum MissingTenantBehavior
{
    /// <summary>Throw <see cref="TenantContextMissingException"/> before any SQL is sent (the default: fail loudly).</summary>
    Throw,

    /// <summary>
    /// Send the statement bound to no tenant, so that the policies match no row: reads return nothing, writes change
    /// nothing and inserts are refused. For code paths where "no tenant" is normal, such as anonymous pages.
    /// </summary>
    MatchNoRows,
}
