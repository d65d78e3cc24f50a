using System.Globalization;
using System.Text;

namespace PgTenancy.Doctor.Hardening;

/// <summary>The postgresql.conf include: TLS, SCRAM, pgaudit with object auditing, and logging that rotates so the audit log cannot fill the disk.</summary>
internal static class PostgresqlConfFile
{
    public static string Content(HardeningInput input, LayoutPaths paths, (string Certificate, string Key, string Ca) tls)
    {
        var text = new StringBuilder(GeneratedHeader.For("#", "server settings (a postgresql.conf include)."));
        text.Append(CultureInfo.InvariantCulture, $$"""
            # Settings marked (restart) take effect only after a server restart; the others after SELECT pg_reload_conf().

            listen_addresses = '{{input.ListenAddresses}}'        # (restart) only the interfaces clients use

            # ---- TLS: every TCP connection is encrypted (pg_hba.conf has hostssl rules only) ----
            ssl = on
            ssl_cert_file = '{{tls.Certificate}}'
            ssl_key_file = '{{tls.Key}}'          # mode 0600, owned by {{LayoutPaths.ServerUser}}: the server refuses a readable key
            ssl_ca_file = '{{tls.Ca}}'             # verifies the administrator's client certificate (cert rules)
            ssl_min_protocol_version = '{{input.TlsMinimum}}'   # older protocols are downgrade targets
            ssl_prefer_server_ciphers = on

            # ---- Passwords: SCRAM only. An md5 secret is as good as the password (pass-the-hash) ----
            password_encryption = 'scram-sha-256'

            # ---- pgaudit: who changed the schema, the data and the roles, and who read the audited tables ----
            shared_preload_libraries = 'pgaudit'   # (restart) keep any other libraries you load in this list
            pgaudit.log = 'ddl, write, role'       # session audit: DDL, INSERT/UPDATE/DELETE/TRUNCATE/COPY FROM, GRANT/ROLE
            pgaudit.log_catalog = off              # catalog reads by tools are noise, not evidence
            pgaudit.log_relation = on              # one line per table touched, so a statement over several tables names each
            pgaudit.log_statement_once = on        # the statement text once per statement, not once per line: smaller logs
            pgaudit.log_parameter = off            # parameters may hold personal data; the statement text is enough
            pgaudit.role = '{{input.AuditorRole}}'             # object audit: every use of a table this role has privileges on

            # ---- Logging: rotate by time and overwrite a week later, so audit volume cannot fill the disk ----
            logging_collector = on                 # (restart)
            log_directory = '{{paths.LogDirectory}}'
            log_filename = 'postgresql-%a-%H.log'  # one file per weekday and hour: at most 168 files
            log_rotation_age = '1h'
            log_rotation_size = 0                  # time-based only: size-based rotation would append instead of truncating
            log_truncate_on_rotation = on          # next week's same hour overwrites the file
            log_file_mode = 0600                   # audit lines hold statement text: readable by the server's user only
            log_line_prefix = '%m [%p] %q%u@%d app=%a '   # app=%a: the application name, which can carry the tenant
            log_connections = on
            log_disconnections = on

            """);
        if (input.PgBackRest is { } backup)
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                # ---- WAL archiving into the encrypted pgBackRest repository: point-in-time recovery between backups ----
                wal_level = replica                    # (restart)
                archive_mode = on                      # (restart)
                archive_command = '{PgBackRestFiles.ArchiveCommand(input, backup)}'

                """);
        }

        return text.ToString();
    }
}
