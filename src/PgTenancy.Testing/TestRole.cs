namespace PgTenancy.Testing;

/// <summary>The roles a <see cref="TestDatabase"/> provides, from most to least privileged.</summary>
public enum TestRole
{
    /// <summary>The server's superuser. For set-up and oracles only: row-level security never applies to it.</summary>
    Admin,

    /// <summary>Owns the database and its tables and runs migrations; never what the application connects as.</summary>
    Owner,

    /// <summary>
    /// What the application connects as: <c>LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION</c>,
    /// not the owner and not a member of it, so row-level security applies to every statement it runs.
    /// </summary>
    App,
}
