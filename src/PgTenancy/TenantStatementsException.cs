namespace PgTenancy;

/// <summary>
/// A tenant-bound command held more than one statement, which is refused by default
/// (<see cref="TenancyOptions.AllowMultipleStatements"/>): nothing of it ran.
/// </summary>
public sealed class TenantStatementsException : InvalidOperationException
{
    /// <summary>Makes the exception.</summary>
    public TenantStatementsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
