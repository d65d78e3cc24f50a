using System.Globalization;
using System.Text;

namespace PgTenancy.Doctor.Hardening;

/// <summary>pgbouncer.ini: SCRAM, TLS to clients (required) and to the server (verified), bounded pools, restricted consoles.</summary>
internal static class PgBouncerIniFile
{
    public static string Content(HardeningInput input, PgBouncerInput bouncer, LayoutPaths paths, (string Certificate, string Key, string Ca) tls)
    {
        var protocols = input.TlsMinimum == "TLSv1.3" ? "tlsv1.3" : "tlsv1.2,tlsv1.3";
        var text = new StringBuilder(GeneratedHeader.For(";", "PgBouncer (pgbouncer.ini)."));
        text.Append(CultureInfo.InvariantCulture, $"""
            [databases]
            ; Only the application database: a client cannot ask PgBouncer for another one.
            {input.Database} = host={bouncer.ServerHost} port={bouncer.ServerPort} dbname={input.Database}

            [pgbouncer]
            listen_addr = {bouncer.ListenAddress}
            listen_port = {bouncer.ListenPort}
            ; No unix socket: every client comes over TCP, and so over TLS.
            unix_socket_dir =

            ; SCRAM against the user list, which holds the server's SCRAM secrets (pgtenancy harden --connection writes
            ; it): PgBouncer never sees or stores a password, and logs in to the server with the client's own proof.
            auth_type = scram-sha-256
            auth_file = {LayoutPaths.PgBouncerUsers}

            ; Transaction pooling: PgTenancy binds the tenant per transaction, so a server connection never carries one
            ; client's tenant to the next.
            pool_mode = transaction

            ; TLS to clients: required, so a client without TLS is refused.
            client_tls_sslmode = require
            client_tls_cert_file = {tls.Certificate}
            client_tls_key_file = {tls.Key}
            client_tls_protocols = {protocols}

            ; TLS to the server, with its certificate checked against the CA and the host name: no man in the middle.
            server_tls_sslmode = verify-full
            server_tls_ca_file = {tls.Ca}
            server_tls_protocols = {protocols}

            ; Bounded pools: a flood of clients queues in PgBouncer instead of exhausting the server's connections.
            max_client_conn = {bouncer.MaxClientConnections}
            default_pool_size = {bouncer.DefaultPoolSize}
            max_db_connections = {bouncer.MaxDatabaseConnections}
            ; A client waiting longer than this for a server connection gets an error instead of hanging.
            query_wait_timeout = 30
            ; After a failed server login, retry after 5 s instead of refusing clients for the default 15 s.
            server_login_retry = 5

            ; The admin console can pause, kill and reconfigure: nobody unless named. SHOW commands: only the named.
            admin_users = {string.Join(",", bouncer.AdminUsers)}
            stats_users = {string.Join(",", bouncer.StatsUsers)}

            ignore_startup_parameters = extra_float_digits

            """);
        return text.ToString();
    }
}
