namespace PgTenancy.Doctor.Checks;

/// <summary>What a check needs to see the catalog it reads; without it the check is reported as not checked.</summary>
internal enum Requirement
{
    /// <summary>Any role can run it.</summary>
    None,

    /// <summary>Superuser (for example to read <c>pg_authid</c> or <c>pg_hba_file_rules</c>).</summary>
    Superuser,

    /// <summary>Superuser or <c>pg_read_all_settings</c> (server settings such as <c>shared_preload_libraries</c>).</summary>
    ReadAllSettings,

    /// <summary>Superuser or <c>pg_read_all_stats</c> (other sessions' activity).</summary>
    ReadAllStats,

    /// <summary>The <c>citus</c> extension in the database (a Citus coordinator); elsewhere the check does not apply and is left out of the report.</summary>
    Citus,
}
