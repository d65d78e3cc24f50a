using System.Net;
using System.Text.RegularExpressions;

namespace PgTenancy.Doctor.Hardening;

/// <summary>Refuses unsafe or incomplete hardening input, collecting every problem with its reason.</summary>
internal static partial class HardeningValidation
{
    public static void Validate(HardeningInput input)
    {
        var problems = new List<string>();
        Name(problems, "database", input.Database);
        var roles = new[] { ("appRole", input.AppRole), ("readOnlyRole", input.ReadOnlyRole), ("migratorRole", input.MigratorRole), ("auditorRole", input.AuditorRole), ("adminRole", input.AdminRole), ("replicationRole", input.ReplicationRole) };
        foreach (var (field, role) in roles)
        {
            Name(problems, field, role);
        }

        foreach (var duplicate in roles.GroupBy(r => r.Item2, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{string.Join(" and ", duplicate.Select(r => r.Item1))} are the same role \"{duplicate.Key}\": each role has one job, so that a leaked application password cannot migrate, audit or administer.");
        }

        if (input.AppCidrs.Count == 0)
        {
            problems.Add("appCidrs is empty: name the networks the application connects from (for example 10.0.1.0/24).");
        }

        foreach (var cidr in input.AppCidrs)
        {
            Cidr(problems, "appCidrs", cidr);
        }

        if (input.AdminHost is not null)
        {
            Cidr(problems, "adminHost", input.AdminHost);
        }

        if (input.ReplicationCidr is not null)
        {
            Cidr(problems, "replicationCidr", input.ReplicationCidr);
        }

        switch (input.AppAuthentication)
        {
            case "scram-sha-256" or "cert":
                break;
            case "trust":
                problems.Add("appAuthentication \"trust\" lets anyone who reaches the port in as any role, without a password. Use scram-sha-256.");
                break;
            case "password":
                problems.Add("appAuthentication \"password\" sends the password in clear text to the server. Use scram-sha-256.");
                break;
            case "md5":
                problems.Add("appAuthentication \"md5\" stores password hashes that are as good as the password (pass-the-hash) and is deprecated. Use scram-sha-256.");
                break;
            default:
                problems.Add($"appAuthentication \"{input.AppAuthentication}\" is not supported for application roles: use scram-sha-256 or cert.");
                break;
        }

        if (input.TlsMinimum is not ("TLSv1.3" or "TLSv1.2"))
        {
            problems.Add($"tlsMinimum \"{input.TlsMinimum}\" is refused: TLS 1.0 and 1.1 are deprecated (RFC 8996) and broken ciphers come with them. Use TLSv1.3 (or TLSv1.2 for old clients).");
        }

        if (input.GenerateDevCa && (input.CertificateFile ?? input.KeyFile ?? input.CaFile) is not null)
        {
            problems.Add("generateDevCa and certificate files are both given: choose one (a dev CA is for development and tests only).");
        }
        else if (!input.GenerateDevCa && (input.CertificateFile is null || input.KeyFile is null || input.CaFile is null))
        {
            problems.Add("certificateFile, keyFile and caFile are required (TLS is not optional): give your certificate's paths, or generateDevCa: true for development.");
        }

        foreach (var table in input.AuditedTables)
        {
            if (!QualifiedName().IsMatch(table))
            {
                problems.Add($"auditedTables \"{table}\" is not a table name: use table or schema.table (letters, digits, underscores).");
            }
        }

        if (input.PostgresVersion < 15)
        {
            problems.Add($"postgresVersion {input.PostgresVersion} is not supported: PgTenancy targets PostgreSQL 15 and newer.");
        }

        if (input.PgBackRest is { } backup)
        {
            if (backup.Stanza.Length > 0)
            {
                Name(problems, "pgBackRest.stanza", backup.Stanza);
            }

            if (!backup.RepositoryPath.StartsWith('/') || backup.RepositoryPath.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                problems.Add($"pgBackRest.repositoryPath \"{backup.RepositoryPath}\" is not an absolute path without spaces.");
            }

            if (backup.RetentionFull < 1 || backup.Port is < 1 or > 65535)
            {
                problems.Add("pgBackRest.retentionFull must be at least 1 (a repository without a full backup restores nothing), and pgBackRest.port a TCP port (1–65535).");
            }
        }

        if (input.PgBouncer is { } bouncer)
        {
            if (bouncer.ListenPort is < 1 or > 65535 || bouncer.ServerPort is < 1 or > 65535)
            {
                problems.Add("pgBouncer.listenPort and pgBouncer.serverPort must be TCP ports (1–65535).");
            }

            if (bouncer.DefaultPoolSize < 1 || bouncer.MaxClientConnections < 1 || bouncer.MaxDatabaseConnections < bouncer.DefaultPoolSize)
            {
                problems.Add("pgBouncer pool sizes must be positive, and maxDatabaseConnections at least defaultPoolSize.");
            }

            foreach (var user in bouncer.AdminUsers.Concat(bouncer.StatsUsers))
            {
                Name(problems, "pgBouncer.adminUsers/statsUsers", user);
            }
        }

        if (problems.Count > 0)
        {
            throw new HardeningInputException(problems);
        }
    }

    private static void Name(List<string> problems, string field, string value)
    {
        if (!PlainName().IsMatch(value))
        {
            problems.Add($"{field} \"{value}\" is not a plain name: use 1–63 letters, digits, underscores or hyphens, starting with a letter or underscore (the name goes into pg_hba.conf and SQL).");
        }
    }

    private static void Cidr(List<string> problems, string field, string cidr)
    {
        var parts = cidr.Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var address) || !int.TryParse(parts[1], out var prefix)
            || prefix < 0 || prefix > (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32))
        {
            problems.Add($"{field} \"{cidr}\" is not a network in CIDR form (address/prefix, for example 10.0.1.0/24).");
        }
        else if (prefix == 0)
        {
            problems.Add($"{field} \"{cidr}\" admits every address on the internet: a leaked password is then usable from anywhere. Name the network the clients really connect from.");
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,62}$")]
    private static partial Regex PlainName();

    [GeneratedRegex("^([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex QualifiedName();
}
