namespace PgTenancy;

/// <summary>
/// The database or the role is not set up for tenant isolation: the connection's role is a superuser or has
/// BYPASSRLS (row-level security would silently not apply), or the packages' versions do not match.
/// The message names the role or object and the fix.
/// </summary>
public sealed class TenancyConfigurationException : InvalidOperationException
{
    /// <summary>Creates the exception with a message that names the problem and its fix.</summary>
    public TenancyConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TenancyConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message; prefer the constructors that say what is wrong.</summary>
    public TenancyConfigurationException()
        : base("The database or role is not set up for tenant isolation.")
    {
    }
}
