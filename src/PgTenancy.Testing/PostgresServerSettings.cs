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
}

/// <summary>Whether a server gets PgBouncer in front of it.</summary>
internal enum PgBouncerUse
{
    None,
    Required,
    IfInstalled,
}
