namespace PgTenancy.Doctor.Checks;

/// <summary>Checks of a PgBouncer configuration file (run when one is given: <c>--pgbouncer-config</c>).</summary>
internal static class PgBouncerChecks
{
    public static DoctorCheck Authentication { get; } = new("PGB-01", "PgBouncer does not authenticate clients with SCRAM", Severity.High,
        "trust lets anyone in as any user; md5 and plain passwords are replayable or readable on the way.",
        "auth_type = scram-sha-256 (or hba with scram-sha-256 rules), with SCRAM secrets in the auth_file.");

    public static DoctorCheck ClientTls { get; } = new("PGB-02", "PgBouncer accepts clients without TLS", Severity.High,
        "Credentials and every tenant's rows cross the network in clear between the application and the pooler.",
        "client_tls_sslmode = require (or verify-full with client certificates), with client_tls_cert_file and client_tls_key_file.");

    public static DoctorCheck ServerTls { get; } = new("PGB-03", "PgBouncer does not verify the server's certificate", Severity.High,
        "Without verify-full and a CA, the pooler talks to whoever answers on the server's address, and hands it every password.",
        "server_tls_sslmode = verify-full and server_tls_ca_file = <the CA that signed the server's certificate>.");

    public static DoctorCheck Listen { get; } = new("PGB-04", "PgBouncer listens on every address", Severity.Medium,
        "A wildcard listen address exposes the pooler on networks that have no business reaching it.",
        "listen_addr = the private address the application uses (or 127.0.0.1 beside it).");

    public static DoctorCheck Console { get; } = new("PGB-05", "The application role can use PgBouncer's admin or stats console", Severity.Medium,
        "From the admin console a leaked application credential can pause, kill or reconfigure every pool; the stats console shows every client.",
        "Name dedicated roles in admin_users and stats_users, never the application role.");

    public static IReadOnlyList<DoctorCheck> All { get; } = [Authentication, ClientTls, ServerTls, Listen, Console];

    private static readonly string[] ConsoleUserSettings = ["admin_users", "stats_users"];

    public static IEnumerable<CheckResult> Run(IniSection ini, string appRole)
    {
        yield return Check(Authentication, ini, "auth_type", value => value is "scram-sha-256" or "hba" ? null : $"auth_type is {value}", missing: "auth_type is not set (PgBouncer's default is md5)");
        yield return Check(ClientTls, ini, "client_tls_sslmode", value => value is "require" or "verify-ca" or "verify-full" ? null : $"client_tls_sslmode is {value}", missing: "client_tls_sslmode is not set (default disable)");
        yield return Check(ServerTls, ini, "server_tls_sslmode", value => value == "verify-full" ? null : $"server_tls_sslmode is {value}", missing: "server_tls_sslmode is not set (default prefer)",
            extra: ini.Get("server_tls_ca_file") is null ? "server_tls_ca_file is not set" : null);
        yield return Check(Listen, ini, "listen_addr", value => value.Split(',').Select(a => a.Trim()).Any(a => a is "*" or "0.0.0.0" or "::") ? $"listen_addr is {value}" : null, missing: null);
        var users = ConsoleUserSettings
            .Select(key => (Key: key, Setting: ini.Get(key)))
            .Where(s => s.Setting is { } setting && setting.Value.Split(',').Select(u => u.Trim()).Contains(appRole))
            .Select(s => Finding(Console, ini, s.Setting!.Value.Line, $"{s.Key} includes the application role {appRole}"))
            .ToList();
        yield return new CheckResult(Console, users.Count == 0 ? CheckStatus.Passed : CheckStatus.Failed, users);
    }

    private static CheckResult Check(DoctorCheck check, IniSection ini, string key, Func<string, string?> problem, string? missing, string? extra = null)
    {
        var findings = new List<Finding>();
        if (ini.Get(key) is { } setting)
        {
            if (problem(setting.Value.ToLowerInvariant()) is { } message)
            {
                findings.Add(Finding(check, ini, setting.Line, message));
            }
        }
        else if (missing is not null)
        {
            findings.Add(Finding(check, ini, null, missing));
        }

        if (extra is not null)
        {
            findings.Add(Finding(check, ini, null, extra));
        }

        return new CheckResult(check, findings.Count == 0 ? CheckStatus.Passed : CheckStatus.Failed, findings);
    }

    private static Finding Finding(DoctorCheck check, IniSection ini, int? line, string message) =>
        new(check.Id, check.Severity, $"{ini.Path}{(line is { } l ? $":{l}" : "")}", message) { Location = new FindingLocation(ini.Path, line) };
}
