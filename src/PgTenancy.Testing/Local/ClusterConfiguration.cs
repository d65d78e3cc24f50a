using System.Globalization;

namespace PgTenancy.Testing.Local;

/// <summary>The configuration text of a throwaway cluster: hardened like production, tuned for speed where it is safe to.</summary>
internal static class ClusterConfiguration
{
    /// <summary>Settings appended to the cluster's <c>postgresql.conf</c>.</summary>
    public static string PostgresqlConf(ClusterFolder folder, int port, bool preloadPgAudit) =>
        string.Join('\n',
        [
            "",
            "# ---- PgTenancy.Testing: a throwaway cluster, hardened like production ----",
            "listen_addresses = '127.0.0.1'          # loopback only: test servers are never reachable from elsewhere",
            $"port = {port.ToString(CultureInfo.InvariantCulture)}",
            "unix_socket_directories = ''            # TCP with TLS only: no socket path that could skip TLS",
            "ssl = on",
            $"ssl_cert_file = '{folder.ServerCertificate}'",
            $"ssl_key_file = '{folder.ServerKey}'",
            "ssl_min_protocol_version = 'TLSv1.3'",
            "password_encryption = 'scram-sha-256'   # stored secrets are SCRAM; md5 is refused by pg_hba anyway",
            preloadPgAudit ? "shared_preload_libraries = 'pgaudit'" : "# pgaudit is not installed on this machine: no audit log",
            preloadPgAudit ? "pgaudit.log = 'ddl,write,role'" : "",
            "log_line_prefix = '%m [%p] %q%u@%d '",
            "# Many test classes run at once, each with its own database, pools and PgBouncer server connections.",
            "max_connections = 500",
            "# Durability is worthless for a cluster that is deleted after the run; these make it start and write faster.",
            "fsync = off",
            "synchronous_commit = off",
            "full_page_writes = off",
            "",
        ]);

    /// <summary>
    /// <c>pg_hba.conf</c>: TLS and SCRAM from loopback, and an explicit reject for everything else — including
    /// non-TLS TCP from loopback, which a client that forgets <c>sslmode</c> would otherwise be allowed.
    /// </summary>
    public static string PgHbaConf() =>
        """
        # PgTenancy.Testing: a throwaway cluster. Rules are read top to bottom; the first match decides.
        # TYPE   DATABASE USER ADDRESS       METHOD
        hostssl  all      all  127.0.0.1/32  scram-sha-256
        # Anything else (non-TLS TCP, other addresses, unix sockets) is refused explicitly.
        local    all      all                reject
        host     all      all  all           reject

        """.ReplaceLineEndings("\n");
}
