using System.Globalization;
using System.Text;

namespace PgTenancy.Doctor.Hardening;

/// <summary>pg_hba.conf: TLS everywhere over TCP, SCRAM (or certificates) for the application's networks only, certificates for the administrator, and an explicit reject at the end.</summary>
internal static class PgHbaFile
{
    public static string Content(HardeningInput input)
    {
        var text = new StringBuilder(GeneratedHeader.For("#", "client authentication (pg_hba.conf)."));
        text.Append("""
            # Rules are read top to bottom and the first match decides, so the reject at the end is what every connection
            # that is not listed here meets. "hostssl" only: a "host" rule would also match connections without TLS.
            # TYPE   DATABASE        USER            ADDRESS           METHOD

            # The server's own OS user on the local socket, for maintenance (peer: the kernel vouches for the user).

            """);
        text.Append("local    all             postgres                          peer\n");
        if (input.AdminHost is not null)
        {
            text.Append("\n# The administrator, from the admin host only, with a client certificate: no password to steal, guess or phish.\n");
            text.Append(Rule("hostssl", "all", input.AdminRole, input.AdminHost, "cert"));
        }

        text.Append(CultureInfo.InvariantCulture, $"\n# Application roles, from the application's networks only, to their database only ({input.AppAuthentication}).\n");
        var appRoles = $"{input.AppRole},{input.ReadOnlyRole},{input.MigratorRole}";
        foreach (var cidr in input.AppCidrs)
        {
            text.Append(Rule("hostssl", input.Database, appRoles, cidr, input.AppAuthentication));
        }

        if (input.ReplicationCidr is not null)
        {
            text.Append("\n# Streaming replication, from the standbys' network only.\n");
            text.Append(Rule("hostssl", "replication", input.ReplicationRole, input.ReplicationCidr, "scram-sha-256"));
        }

        text.Append("""

            # Everything else is refused explicitly: other sockets users, other roles, other databases, other addresses, and
            # any connection without TLS. A rule added after these lines has no effect — add rules above them.

            """);
        text.Append(Rule("local", "all", "all", "", "reject"));
        text.Append(Rule("host", "all", "all", "all", "reject"));
        return text.ToString();
    }

    private static string Rule(string type, string database, string user, string address, string method) =>
        $"{type,-8} {database,-15} {user,-15} {address,-17} {method}\n";
}
