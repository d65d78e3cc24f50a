namespace PgTenancy.Doctor.Hardening;

/// <summary>PgBouncer settings for <see cref="HardeningInput.PgBouncer"/>.</summary>
internal sealed class PgBouncerInput
{
    /// <summary>The address PgBouncer listens on. Any-address listeners are allowed (clients need TLS and SCRAM), but name the interface when you can.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>PgBouncer's port.</summary>
    public int ListenPort { get; init; } = 6432;

    /// <summary>The PostgreSQL server PgBouncer connects to; its certificate must name this host.</summary>
    public string ServerHost { get; init; } = "localhost";

    /// <summary>The PostgreSQL server's port.</summary>
    public int ServerPort { get; init; } = 5432;

    /// <summary>Server connections per database and user (<c>default_pool_size</c>).</summary>
    public int DefaultPoolSize { get; init; } = 20;

    /// <summary>Client connections PgBouncer accepts in all (<c>max_client_conn</c>).</summary>
    public int MaxClientConnections { get; init; } = 500;

    /// <summary>Server connections per database in all (<c>max_db_connections</c>): keep it under the server's <c>max_connections</c>.</summary>
    public int MaxDatabaseConnections { get; init; } = 50;

    /// <summary>Roles allowed on the admin console (<c>admin_users</c>); empty: none.</summary>
    public IReadOnlyList<string> AdminUsers { get; init; } = [];

    /// <summary>Roles allowed read-only SHOW commands (<c>stats_users</c>); empty: none.</summary>
    public IReadOnlyList<string> StatsUsers { get; init; } = [];
}
