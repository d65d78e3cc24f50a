namespace PgTenancy;

/// <summary>
/// A statement was about to run on a tenant-bound data source while no tenant was current. Nothing was sent to the
/// server. Begin a <see cref="TenantScope"/> around the work, or opt into
/// <see cref="MissingTenantBehavior.MatchNoRows"/> where "no tenant" is a normal case.
/// </summary>
public sealed class TenantContextMissingException : InvalidOperationException
{
    /// <summary>Creates the exception with the standard explanation.</summary>
    public TenantContextMissingException()
        : this("No tenant is current, so the statement was not sent. Wrap the work in 'using (TenantScope.Begin(tenantId))', "
            + "or set TenancyOptions.MissingTenant = MissingTenantBehavior.MatchNoRows where no tenant is a normal case.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TenantContextMissingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TenantContextMissingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
