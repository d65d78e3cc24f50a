namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>Names of the model annotations PgTenancy writes; the migrations read them.</summary>
public static class TenancyAnnotationNames
{
    /// <summary>The prefix of every PgTenancy annotation.</summary>
    public const string Prefix = "PgTenancy:";

    /// <summary>On an entity type: the name of its tenant property. Its presence marks the entity tenant-scoped.</summary>
    public const string TenantProperty = Prefix + "TenantProperty";
}
