using System.Text.RegularExpressions;

namespace PgTenancy.Catalog;

/// <summary>
/// The catalog rules that more than one part of PgTenancy enforces, each spelled once: the binding's role guard, the
/// doctor's checks (and so the startup guard and the health check, which run them) and the isolation kit's catalog
/// oracle compose their queries from these predicates, and word their findings for their own readers.
/// </summary>
internal static partial class CatalogRules
{
    /// <summary>A predicate over <c>pg_roles r</c>: row-level security never applies to the role.</summary>
    public const string EscapesRowSecurity = "(r.rolsuper OR r.rolbypassrls)";

    /// <summary>The current role, when it escapes row-level security: its name and whether it is a superuser.</summary>
    public const string CurrentRoleEscapingRowSecurity =
        $"SELECT r.rolname, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user AND {EscapesRowSecurity}";

    /// <summary>
    /// The privileges on a tenant table that row-level security does not govern: TRUNCATE empties every tenant's rows,
    /// REFERENCES lets a foreign key from another table probe every tenant's keys.
    /// </summary>
    public static IReadOnlyList<string> PrivilegesBeyondRowSecurity { get; } = ["TRUNCATE", "REFERENCES"];

    /// <summary>
    /// A regular expression, valid both in .NET and in PostgreSQL (<c>~*</c>), that matches a policy expression which is
    /// always true, as <c>pg_get_expr</c> and <c>pg_policies</c> print it: <c>true</c>, <c>(true)</c>, <c>((true))</c>.
    /// </summary>
    public const string AlwaysTruePattern = @"^\(*\s*true\s*\)*$";

    /// <summary>
    /// SQL: <paramref name="role"/> can act as <paramref name="target"/> — is it, inherits from it, or may <c>SET ROLE</c>
    /// to it. MEMBER, not USAGE: a membership without INHERIT still lets any statement of the role (an injected one
    /// too) take the target's rights with <c>SET ROLE</c>.
    /// </summary>
    public static string CanActAs(string role, string target) => $"pg_catalog.pg_has_role({role}, {target}, 'MEMBER')";

    /// <summary>
    /// SQL: the policy whose role array is <paramref name="policyRoles"/> (<c>pg_policy.polroles</c>) applies to
    /// <paramref name="role"/> — it names PUBLIC, or a role whose privileges <paramref name="role"/> has (USAGE: as
    /// PostgreSQL itself decides which policies apply, through inheritance).
    /// </summary>
    public static string PolicyAppliesTo(string role, string policyRoles) =>
        $"(0::oid = ANY ({policyRoles}) OR EXISTS (SELECT 1 FROM unnest({policyRoles}) policy_role WHERE pg_catalog.pg_has_role({role}, policy_role, 'USAGE')))";

    /// <summary>SQL: <paramref name="role"/> holds <paramref name="privilege"/> (one of <see cref="PrivilegesBeyondRowSecurity"/>) on <paramref name="table"/>.</summary>
    public static string HasTablePrivilege(string role, string table, string privilege) =>
        $"pg_catalog.has_table_privilege({role}, {table}, '{privilege}')";

    /// <summary>SQL: <paramref name="role"/> holds any of <see cref="PrivilegesBeyondRowSecurity"/> on <paramref name="table"/>.</summary>
    public static string HasPrivilegeBeyondRowSecurity(string role, string table) =>
        "(" + string.Join(" OR ", PrivilegesBeyondRowSecurity.Select(p => HasTablePrivilege(role, table, p))) + ")";

    /// <summary>SQL: <paramref name="expression"/> (a policy's printed USING or WITH CHECK) is always true.</summary>
    public static string IsAlwaysTrueSql(string expression) => $"coalesce({expression}, '') ~* '{AlwaysTruePattern}'";

    /// <summary>Whether a policy expression, as the catalog prints it, is always true.</summary>
    public static bool IsAlwaysTrue(string expression) => AlwaysTrue().IsMatch(expression);

    /// <summary>What to tell the user about a role that escapes row-level security, and the fix.</summary>
    public static string RoleEscapesRowSecurity(string role, bool superuser) =>
        $"Role \"{role}\" is {(superuser ? "a superuser" : "BYPASSRLS")}, so row-level security does not apply to it and every tenant's rows would be visible. "
        + $"Connect the application as a role with NOSUPERUSER NOBYPASSRLS that does not own the tables (ALTER ROLE \"{role}\" NOSUPERUSER NOBYPASSRLS, or use another role).";

    [GeneratedRegex(AlwaysTruePattern, RegexOptions.IgnoreCase)]
    private static partial Regex AlwaysTrue();
}
