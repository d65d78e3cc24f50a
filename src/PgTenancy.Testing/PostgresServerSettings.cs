namespace PgTenancy.Testing;

/// <summary>Everything a <see cref="PostgresServerBuilder"/> collected.</summary>
internal sealed record PostgresServerSettings
{
    public ServerProvider? Provider { get; init; }

    public PgBouncerUse PgBouncer { get; init; }

    public int? Port { get; init; }

    public bool PgAudit { get; init; } = true;

    public bool PgAuditRequired { get; init; }

    public string DockerImage { get; init; } = "postgres:15-bookworm";

    public int OwnerPid { get; init; } = Environment.ProcessId;

    /// <summary>Settings appended after the hardened ones (later lines win); for tests of the doctor only.</summary>
    public string? ExtraSettings { get; init; }

    /// <summary>A pg_hba.conf to use instead of the hardened one; for tests of the doctor only.</summary>
    public string? HbaOverride { get; init; }
}

/// <summary>Whether a server gets PgBouncer in front of it.</summary>
internal enum PgBouncerUse
{
    None,
    Required,
    IfInstalled,
}
