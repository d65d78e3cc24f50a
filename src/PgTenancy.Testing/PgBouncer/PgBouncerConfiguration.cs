using System.Globalization;
using Npgsql;
using PgTenancy.Testing.Local;

namespace PgTenancy.Testing.PgBouncer;

/// <summary>The text of <c>pgbouncer.ini</c> for a throwaway PgBouncer in front of a local cluster.</summary>
internal static class PgBouncerConfiguration
{
    public static string Ini(ClusterFolder folder, NpgsqlConnectionStringBuilder server, int listenPort) =>
        string.Join('\n',
        [
            "; PgTenancy.Testing: a throwaway PgBouncer in front of a throwaway cluster.",
            "[databases]",
            $"* = host={server.Host} port={server.Port.ToString(CultureInfo.InvariantCulture)}",
            "",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            $"listen_port = {listenPort.ToString(CultureInfo.InvariantCulture)}",
            "unix_socket_dir =",
            "; Transaction pooling: a server connection serves many clients, one transaction at a time.",
            "pool_mode = transaction",
            "auth_type = scram-sha-256",
            $"auth_file = {folder.PgBouncerUsers}",
            $"admin_users = {server.Username}",
            "; TLS 1.3 towards clients, and towards the server verified against the cluster's own CA and host name.",
            "client_tls_sslmode = require",
            $"client_tls_cert_file = {folder.ServerCertificate}",
            $"client_tls_key_file = {folder.ServerKey}",
            "client_tls_protocols = tlsv1.3",
            "server_tls_sslmode = verify-full",
            $"server_tls_ca_file = {folder.CaCertificate}",
            "server_tls_protocols = tlsv1.3",
            "; Small on purpose: tests run many clients over few server connections.",
            "max_client_conn = 500",
            "default_pool_size = 10",
            "max_db_connections = 40",
            "; A failed server login (say, a database a test just dropped) must not stall every client of that pool for",
            "; the default 15 s; idle server connections are let go soon, so dropped databases do not hold them.",
            "server_login_retry = 1",
            "server_idle_timeout = 30",
            "ignore_startup_parameters = extra_float_digits",
            "; No logfile: PgBouncer runs in the foreground and its standard error is appended to pgbouncer.log.",
            $"pidfile = {folder.PgBouncerPidFile}",
            "",
        ]);
}
