using System.Globalization;

namespace PgTenancy.Doctor.Hardening;

/// <summary>Install paths of the generated files for a distribution's package layout.</summary>
internal sealed class LayoutPaths(ServerLayout layout, int version)
{
    private readonly string _version = version.ToString(CultureInfo.InvariantCulture);

    /// <summary>The folder holding postgresql.conf and pg_hba.conf.</summary>
    public string ConfigDirectory => layout == ServerLayout.Debian ? $"/etc/postgresql/{_version}/main" : $"/var/lib/pgsql/{_version}/data";

    public string PgHba => ConfigDirectory + "/pg_hba.conf";

    /// <summary>Debian's postgresql.conf includes conf.d; on RHEL, add include_dir = 'conf.d' (see MANIFEST.md).</summary>
    public string Include => ConfigDirectory + "/conf.d/pgtenancy-hardening.conf";

    public string TlsDirectory => ConfigDirectory + "/tls";

    /// <summary>The cluster's data directory, which pgBackRest backs up.</summary>
    public string DataDirectory => layout == ServerLayout.Debian ? $"/var/lib/postgresql/{_version}/main" : $"/var/lib/pgsql/{_version}/data";

    /// <summary>The server's Unix socket folder in both layouts.</summary>
    public static string SocketDirectory => "/var/run/postgresql";

    public string LogDirectory => layout == ServerLayout.Debian ? "/var/log/postgresql" : "log";

    public static string RolesSql => "/root/pgtenancy/roles.sql";

    public static string PgBouncerIni => "/etc/pgbouncer/pgbouncer.ini";

    public static string PgBouncerUsers => "/etc/pgbouncer/userlist.txt";

    public static string PgBouncerTlsDirectory => "/etc/pgbouncer/tls";

    public static string ServerUser => "postgres";
}
