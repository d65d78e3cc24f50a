namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>How keys of tenant-scoped entities that leave out the tenant column are reported.</summary>
public enum TenantKeyValidation
{
    /// <summary>Not checked.</summary>
    Off,

    /// <summary>A warning in the log when the model is built (the default).</summary>
    Warning,

    /// <summary>An exception when the model is built.</summary>
    Error,
}
