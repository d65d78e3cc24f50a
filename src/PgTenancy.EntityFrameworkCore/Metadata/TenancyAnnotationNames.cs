namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>Names of the model annotations PgTenancy writes; the migrations read them.</summary>
public static class TenancyAnnotationNames
{
    /// <summary>The prefix of every PgTenancy annotation.</summary>
    public const string Prefix = "PgTenancy:";

    /// <summary>On an entity type: the name of its tenant property. Its presence marks the entity tenant-scoped.</summary>
    public const string TenantProperty = Prefix + "TenantProperty";

    /// <summary>
    /// On the model: <see langword="true"/> when the tenant policies compare with the verified tenant of a signed token
    /// (<c>UseTenancy(o => o.SigningKey(…))</c> or <c>o.VerifiedPolicies()</c>). A change makes a migration that moves
    /// every tenant table's policy over.
    /// </summary>
    public const string VerifiedTenant = Prefix + "VerifiedTenant";

    /// <summary>
    /// On the model: the roles the tenant policies are for, comma-separated (<c>UseTenancy(o => o.PolicyRoles(…))</c>);
    /// empty for PUBLIC. A change makes a migration that recreates every tenant table's policy for the new roles.
    /// </summary>
    public const string PolicyRoles = Prefix + "PolicyRoles";

    /// <summary>
    /// On the model: <see langword="true"/> in Citus mode (<c>UseTenancy(o => o.Citus())</c>): tenant tables are
    /// distributed by their tenant column and their policies take the subquery-free form. A change makes a migration
    /// that replaces every tenant table's policy and distributes the tables.
    /// </summary>
    public const string Citus = Prefix + "Citus";

    /// <summary>
    /// On an entity type: <see langword="true"/> for shared lookup data that Citus copies to every node
    /// (<c>IsCitusReferenceTable()</c>), so that tenant tables can join it and refer to it on any shard.
    /// </summary>
    public const string CitusReferenceTable = Prefix + "CitusReferenceTable";
}
