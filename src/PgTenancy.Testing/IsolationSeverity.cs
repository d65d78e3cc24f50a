namespace PgTenancy.Testing;

/// <summary>How <see cref="TenantIsolation"/> treats a catalog finding that is a risk rather than a proven leak.</summary>
public enum IsolationSeverity
{
    /// <summary>Not reported.</summary>
    Off,

    /// <summary>Reported in <see cref="IsolationReport.Warnings"/>; the verification passes.</summary>
    Warning,

    /// <summary>The verification fails.</summary>
    Error,
}
