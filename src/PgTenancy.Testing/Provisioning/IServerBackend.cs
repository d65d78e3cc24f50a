using Npgsql;

namespace PgTenancy.Testing.Provisioning;

/// <summary>One way of providing a PostgreSQL server: what <see cref="PostgresServer"/> needs from each provider.</summary>
internal interface IServerBackend : IAsyncDisposable
{
    ServerProvider Provider { get; }

    /// <summary>A superuser connection straight to the server, database <c>postgres</c>.</summary>
    NpgsqlConnectionStringBuilder AdminConnection { get; }

    bool PgAuditPreloaded { get; }

    string? CaCertificatePath { get; }

    string? ServerLogPath { get; }

    string? WorkingDirectory { get; }

    /// <summary>The PIDs of the server processes this backend started (none for a server it did not start).</summary>
    IReadOnlyList<int> ProcessIds { get; }
}
