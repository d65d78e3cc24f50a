namespace PgTenancy;

/// <summary>The roles of a hardened tenant database, for <see cref="TenantRoles.EnsureRole"/>.</summary>
public enum TenantRoleKind
{
    /// <summary>The application: logs in, DML on tenant tables, subject to row-level security.</summary>
    Application,

    /// <summary>Reporting and support: logs in, SELECT only, subject to row-level security.</summary>
    ReadOnly,

    /// <summary>Owns the tables and runs migrations; never used by the application.</summary>
    Migrator,

    /// <summary>Cannot log in; <c>pgaudit.role</c>: the tables it has privileges on are audited.</summary>
    Auditor,
}
