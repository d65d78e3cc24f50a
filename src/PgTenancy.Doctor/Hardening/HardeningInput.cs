namespace PgTenancy.Doctor.Hardening;

/// <summary>
/// What <see cref="HardenedConfiguration.Generate"/> needs to write a hardened configuration: the database, its roles, the
/// networks allowed in, the certificates, the tables to audit, PgBouncer's listener and pools. Loaded from a small JSON
/// file (<see cref="HardenedConfiguration.LoadInputAsync"/>) or built in code. Only <see cref="Database"/> and
/// <see cref="AppCidrs"/> are required.
/// </summary>
internal sealed record HardeningInput
{
    /// <summary>The application database.</summary>
    public string Database { get; init; } = "";

    /// <summary>The application role: DML on the tenant tables, under row-level security.</summary>
    public string AppRole { get; init; } = "app";

    /// <summary>The read-only role (reporting, support): SELECT only, under row-level security.</summary>
    public string ReadOnlyRole { get; init; } = "app_readonly";

    /// <summary>The migrator role: owns the tables and runs migrations.</summary>
    public string MigratorRole { get; init; } = "app_migrator";

    /// <summary>The auditor role (cannot log in): <c>pgaudit.role</c>; its privileges choose the audited tables.</summary>
    public string AuditorRole { get; init; } = "app_auditor";

    /// <summary>The administrator (a superuser): remote login only from <see cref="AdminHost"/>, with a client certificate.</summary>
    public string AdminRole { get; init; } = "postgres";

    /// <summary>The networks (CIDR) the application, read-only and migrator roles connect from. Any-address networks are refused.</summary>
    public IReadOnlyList<string> AppCidrs { get; init; } = [];

    /// <summary>The administrator's host (CIDR); <c>null</c>: the administrator logs in on the server's own socket only.</summary>
    public string? AdminHost { get; init; }

    /// <summary>The standby servers' network (CIDR) for streaming replication; <c>null</c>: no replication rule.</summary>
    public string? ReplicationCidr { get; init; }

    /// <summary>The replication role.</summary>
    public string ReplicationRole { get; init; } = "replicator";

    /// <summary>How the application roles authenticate: <c>scram-sha-256</c> (default) or <c>cert</c>.</summary>
    public string AppAuthentication { get; init; } = "scram-sha-256";

    /// <summary>The lowest TLS version the server and PgBouncer accept: <c>TLSv1.3</c> (default) or <c>TLSv1.2</c>.</summary>
    public string TlsMinimum { get; init; } = "TLSv1.3";

    /// <summary>The addresses the server listens on (<c>listen_addresses</c>).</summary>
    public string ListenAddresses { get; init; } = "localhost";

    /// <summary>The server certificate (PEM); with <see cref="GenerateDevCa"/> unset, required.</summary>
    public string? CertificateFile { get; init; }

    /// <summary>The server certificate's private key (PEM, mode 0600, owned by the server's user).</summary>
    public string? KeyFile { get; init; }

    /// <summary>The CA that signed the server certificate and the administrator's client certificate.</summary>
    public string? CaFile { get; init; }

    /// <summary>
    /// Generates a throwaway CA, a server certificate for <see cref="ServerNames"/> and a client certificate for
    /// <see cref="AdminRole"/> — for development and tests only; production certificates come from your own CA.
    /// </summary>
    public bool GenerateDevCa { get; init; }

    /// <summary>The host names and IP addresses in the generated server certificate.</summary>
    public IReadOnlyList<string> ServerNames { get; init; } = ["localhost", "127.0.0.1"];

    /// <summary>Tables whose every read and write pgaudit logs (object auditing), as <c>table</c> or <c>schema.table</c>.</summary>
    public IReadOnlyList<string> AuditedTables { get; init; } = [];

    /// <summary>The schema of the tenant tables.</summary>
    public string Schema { get; init; } = "public";

    /// <summary>The package layout the install paths follow.</summary>
    public ServerLayout Layout { get; init; } = ServerLayout.Debian;

    /// <summary>The PostgreSQL major version (in install paths).</summary>
    public int PostgresVersion { get; init; } = 15;

    /// <summary>PgBouncer's listener and pools; <c>null</c>: no PgBouncer files.</summary>
    public PgBouncerInput? PgBouncer { get; init; } = new();

    /// <summary>pgBackRest's repository and WAL archiving; <c>null</c>: no pgBackRest files (archive WAL with your own tool).</summary>
    public PgBackRestInput? PgBackRest { get; init; }
}
