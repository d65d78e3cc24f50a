namespace PgTenancy.Doctor;

/// <summary>How bad a finding is, from informational to critical (a cross-tenant leak as it stands).</summary>
public enum Severity
{
    /// <summary>Worth knowing; no risk by itself.</summary>
    Info,

    /// <summary>A weakness that needs another mistake to matter.</summary>
    Low,

    /// <summary>A weakness an attacker with some access can use.</summary>
    Medium,

    /// <summary>Isolation or confidentiality is at risk.</summary>
    High,

    /// <summary>Tenant isolation is broken or bypassable as configured.</summary>
    Critical,
}
