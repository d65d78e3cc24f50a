namespace PgTenancy.Testing;

/// <summary>Where a <see cref="PostgresServer"/> comes from.</summary>
public enum ServerProvider
{
    /// <summary>An existing server named by the <c>PGTENANCY_TEST_CONNECTION</c> environment variable, used as is.</summary>
    ExistingServer,

    /// <summary>A PostgreSQL container started with Testcontainers on a reachable Docker engine.</summary>
    Docker,

    /// <summary>A throwaway cluster made with the PostgreSQL binaries installed on this machine (the embedded default).</summary>
    LocalBinaries,
}
