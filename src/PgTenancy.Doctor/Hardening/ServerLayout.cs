namespace PgTenancy.Doctor.Hardening;

/// <summary>Where a distribution's packages keep PostgreSQL's and PgBouncer's configuration.</summary>
internal enum ServerLayout
{
    /// <summary>Debian and Ubuntu (<c>/etc/postgresql/15/main</c>, <c>/etc/pgbouncer</c>).</summary>
    Debian,

    /// <summary>RHEL, Rocky and Alma with the PGDG packages (<c>/var/lib/pgsql/15/data</c>, <c>/etc/pgbouncer</c>).</summary>
    Rhel,
}
