namespace PgTenancy.Doctor.Hardening;

/// <summary>pgBackRest settings for <see cref="HardeningInput.PgBackRest"/>: encrypted physical backups with WAL archiving.</summary>
internal sealed class PgBackRestInput
{
    /// <summary>The stanza (one cluster's backups); empty: the database's name.</summary>
    public string Stanza { get; init; } = "";

    /// <summary>The repository folder (on a separate disk or host mount in production).</summary>
    public string RepositoryPath { get; init; } = "/var/lib/pgbackrest";

    /// <summary>Full backups kept (<c>repo1-retention-full</c>); the WAL they need is kept with them.</summary>
    public int RetentionFull { get; init; } = 2;

    /// <summary>The PostgreSQL server's port on this host.</summary>
    public int Port { get; init; } = 5432;
}
