namespace PgTenancy.Catalog;

/// <summary>
/// The catalog rules that more than one part of PgTenancy enforces, each spelled once: the binding's role guard, the
/// doctor's checks (and so the startup guard and the health check, which run them) and the isolation kit's catalog
/// oracle compose their queries and messages from these.
/// </summary>
internal static class CatalogRules
{
    /// <summary>A predicate over <c>pg_roles r</c>: row-level security never applies to the role.</summary>
    public const string EscapesRowSecurity = "(r.rolsuper OR r.rolbypassrls)";

    /// <summary>The current role, when it escapes row-level security: its name and whether it is a superuser.</summary>
    public const string CurrentRoleEscapingRowSecurity =
        $"SELECT r.rolname, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user AND {EscapesRowSecurity}";

    /// <summary>What to tell the user about a role that escapes row-level security, and the fix.</summary>
    public static string RoleEscapesRowSecurity(string role, bool superuser) =>
        $"Role \"{role}\" is {(superuser ? "a superuser" : "BYPASSRLS")}, so row-level security does not apply to it and every tenant's rows would be visible. "
        + $"Connect the application as a role with NOSUPERUSER NOBYPASSRLS that does not own the tables (ALTER ROLE \"{role}\" NOSUPERUSER NOBYPASSRLS, or use another role).";
}
