using PgTenancy.Sql;

namespace PgTenancy;

/// <summary>
/// The SQL of least-privilege roles for a multi-tenant database (docs/migrations-and-roles.md): an application role that row-
/// level security applies to and that may only read and write rows, and a read-only role. Each method's SQL has an
/// exact inverse (<c>Drop…</c>, <c>Revoke…</c>) for a migration's <c>Down()</c>. Passwords never appear: roles are made
/// with <c>PASSWORD NULL</c> (no login until one is set), and the password is set at deploy time from configuration,
/// outside any script.
/// </summary>
public static class TenantRoles
{
    // The attributes of docs/migrations-and-roles.md, spelled out: defaults can differ between versions and installations.
    private const string LeastPrivilege = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION";

    // SQL: the role running the script may create and drop roles.
    private const string RunningRoleManagesRoles = "EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = current_user AND (rolcreaterole OR rolsuper))";

    /// <summary>
    /// Creates the application role if it does not exist: may log in, nothing else, until grants are given; subject to
    /// RLS. Idempotent: an existing role (made by an administrator when the database was provisioned) is left as it
    /// is, but refused if it is a superuser or BYPASSRLS; a missing role is created only by a role with CREATEROLE, and
    /// otherwise the statement fails with the fix, so a migration applies none of itself.
    /// </summary>
    public static string CreateAppRole(string role) => CreateRole(role, "application role: DML on tenant tables, under row-level security");

    /// <summary>Creates a read-only role with the same attributes as the application role, as idempotently.</summary>
    public static string CreateReadOnlyRole(string role) => CreateRole(role, "read-only role: SELECT on tenant tables, under row-level security");

    /// <summary>
    /// Creates <paramref name="role"/> if it does not exist, then sets the attributes of a role of <paramref name="kind"/>
    /// whether it existed or not — so that a rerun also takes away what an existing role should not have. Idempotent;
    /// sets no password (set it at deploy time with <c>\password</c>, which sends only a SCRAM secret).
    /// </summary>
    /// <param name="role">The role.</param>
    /// <param name="kind">What the role is for.</param>
    public static string EnsureRole(string role, TenantRoleKind kind)
    {
        var (attributes, purpose) = kind switch
        {
            TenantRoleKind.Application => (LeastPrivilege, "application role: DML on tenant tables, under row-level security"),
            TenantRoleKind.ReadOnly => (LeastPrivilege, "read-only role: SELECT on tenant tables, under row-level security"),
            TenantRoleKind.Migrator => (LeastPrivilege, "migrator role: owns the tables and runs the migrations; not used by the application"),
            TenantRoleKind.Auditor => ("NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION", "auditor role: pgaudit.role; its privileges choose the tables whose use is logged"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a role kind"),
        };
        var name = SqlText.Identifier(role);
        return $"""
            DO $pgtenancy$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {SqlText.Literal(role)}) THEN
                CREATE ROLE {name} {attributes};
              END IF;
            END $pgtenancy$;
            ALTER ROLE {name} {attributes};
            COMMENT ON ROLE {name} IS {SqlText.Literal($"PgTenancy {purpose}.")};
            """;
    }

    /// <summary>
    /// Takes TEMPORARY on <paramref name="database"/> away from PUBLIC: a temporary table or view that shadows a tenant
    /// table lives on with the server session, and through PgBouncer the next client's honest request can read it.
    /// Roles that need temporary tables get TEMPORARY back by name. Run by the database owner or a superuser.
    /// </summary>
    public static string RevokeTemporaryFromPublic(string database) => $"REVOKE TEMPORARY ON DATABASE {SqlText.Identifier(database)} FROM PUBLIC;";

    /// <summary>
    /// Hides other sessions' query text from every role but the monitoring ones: by default any role reads
    /// <c>pg_stat_activity.query</c> of every session of the same role, so one tenant's request sees the literal search
    /// text of another's. SELECT on the view and EXECUTE on its function go to <c>pg_read_all_stats</c> (and so
    /// <c>pg_monitor</c>) only. Per database; run by a superuser (the catalog's owner).
    /// </summary>
    public static string HideOtherSessionsQueries() => """
        REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC;
        REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_get_activity(integer) FROM PUBLIC;
        GRANT SELECT ON pg_catalog.pg_stat_activity TO pg_read_all_stats;
        GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_get_activity(integer) TO pg_read_all_stats;
        """;

    /// <summary>The exact inverse of <see cref="HideOtherSessionsQueries"/>.</summary>
    public static string ShowOtherSessionsQueries() => """
        REVOKE SELECT ON pg_catalog.pg_stat_activity FROM pg_read_all_stats;
        REVOKE EXECUTE ON FUNCTION pg_catalog.pg_stat_get_activity(integer) FROM pg_read_all_stats;
        GRANT SELECT ON pg_catalog.pg_stat_activity TO PUBLIC;
        GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_get_activity(integer) TO PUBLIC;
        """;

    /// <summary>
    /// The inverse of <see cref="CreateAppRole"/> and <see cref="CreateReadOnlyRole"/>: drops the role when the running
    /// role may (CREATEROLE) and the role is one PgTenancy made (its comment says so); a role provisioned otherwise, or
    /// one the migrator may not drop, is left to the administrator who made it, with a notice.
    /// </summary>
    public static string DropRole(string role) => $"""
        DO $pgtenancy$
        DECLARE
          target oid := (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = {SqlText.Literal(role)});
        BEGIN
          IF target IS NULL THEN
            RETURN;
          END IF;
          IF {RunningRoleManagesRoles} AND pg_catalog.shobj_description(target, 'pg_authid') LIKE 'PgTenancy %' THEN
            DROP ROLE {SqlText.Identifier(role)};
          ELSE
            RAISE NOTICE 'Role {InMessage(role)} is left in place: it was not made by PgTenancy, or % may not drop it; an administrator drops it if it should go', current_user;
          END IF;
        END $pgtenancy$;
        """;

    /// <summary>
    /// Grants <paramref name="role"/> SELECT, INSERT, UPDATE and DELETE on every table of <paramref name="schema"/>, and
    /// the use of its sequences — never TRUNCATE (which RLS does not cover), REFERENCES or CREATE — and the same on
    /// tables and sequences created later by <paramref name="creator"/> (default privileges).
    /// </summary>
    /// <param name="role">The role to grant to.</param>
    /// <param name="schema">The schema of the tenant tables.</param>
    /// <param name="creator">The role that will create future tables (the migrator); <see langword="null"/> for the role running the script.</param>
    public static string GrantDml(string role, string schema, string? creator = null) =>
        Grants(role, schema, creator, "SELECT, INSERT, UPDATE, DELETE", "USAGE, SELECT", grant: true);

    /// <summary>The exact inverse of <see cref="GrantDml"/>.</summary>
    public static string RevokeDml(string role, string schema, string? creator = null) =>
        Grants(role, schema, creator, "SELECT, INSERT, UPDATE, DELETE", "USAGE, SELECT", grant: false);

    /// <summary>Grants <paramref name="role"/> SELECT on every table and sequence of the schema, now and later.</summary>
    public static string GrantReadOnly(string role, string schema, string? creator = null) =>
        Grants(role, schema, creator, "SELECT", "SELECT", grant: true);

    /// <summary>The exact inverse of <see cref="GrantReadOnly"/>.</summary>
    public static string RevokeReadOnly(string role, string schema, string? creator = null) =>
        Grants(role, schema, creator, "SELECT", "SELECT", grant: false);

    /// <summary>
    /// Takes CREATE on <paramref name="schema"/> away from PUBLIC (PostgreSQL 15 no longer grants it on <c>public</c>,
    /// but a database upgraded from 14 may). Deliberately without an inverse: a migration's Down must never give every
    /// role the right to create objects.
    /// </summary>
    public static string RevokeCreateFromPublic(string schema = "public") =>
        $"REVOKE CREATE ON SCHEMA {SqlText.Identifier(schema)} FROM PUBLIC;";

    /// <remarks>
    /// Who creates the role: an administrator with CREATEROLE, when the database is provisioned (<c>pgtenancy harden</c>'s
    /// roles.sql, or your platform's tooling), not the usual migrator, which has no CREATEROLE. So this is idempotent:
    /// a role that exists is left as it is, but refused if it escapes row-level security; a role that does not exist
    /// is created only by a role that may, and otherwise the statement fails with the fix — inside the migration's
    /// transaction, so nothing of it is applied.
    /// </remarks>
    private static string CreateRole(string role, string purpose)
    {
        var name = SqlText.Identifier(role);
        var literal = SqlText.Literal(role);
        return $"""
            DO $pgtenancy$
            DECLARE
              existing record;
            BEGIN
              SELECT rolsuper, rolbypassrls INTO existing FROM pg_catalog.pg_roles WHERE rolname = {literal};
              IF FOUND THEN
                IF existing.rolsuper OR existing.rolbypassrls THEN
                  RAISE EXCEPTION 'Role {InMessage(role)} exists but is a superuser or BYPASSRLS, so row-level security would not apply to it'
                    USING ERRCODE = '42501', HINT = {SqlText.Literal($"As an administrator: ALTER ROLE {name} NOSUPERUSER NOBYPASSRLS; then run the migration again.")};
                END IF;
                RETURN; -- provisioned already (by an administrator, or by an earlier run): left as it is
              END IF;
              IF NOT {RunningRoleManagesRoles} THEN
                RAISE EXCEPTION 'Role {InMessage(role)} does not exist, and % may not create it (no CREATEROLE)', current_user
                  USING ERRCODE = '42501', HINT = {SqlText.Literal($"Create it as an administrator first (pgtenancy harden writes roles.sql for it: CREATE ROLE … {LeastPrivilege}), then run the migration again.")};
              END IF;
              CREATE ROLE {name} {LeastPrivilege} PASSWORD NULL;
              COMMENT ON ROLE {name} IS {SqlText.Literal($"PgTenancy {purpose}. Set its password at deploy time (ALTER ROLE … PASSWORD), never in a script.")};
            END
            $pgtenancy$;
            """;
    }

    // A name inside a RAISE message: its quotes doubled, and % (RAISE's placeholder) doubled too.
    private static string InMessage(string text) => text.Replace("'", "''", StringComparison.Ordinal).Replace("%", "%%", StringComparison.Ordinal);

    private static string Grants(string role, string schema, string? creator, string tablePrivileges, string sequencePrivileges, bool grant)
    {
        var (verb, direction) = grant ? ("GRANT", "TO") : ("REVOKE", "FROM");
        var who = SqlText.Identifier(role);
        var where = SqlText.Identifier(schema);
        var defaults = creator is null ? "ALTER DEFAULT PRIVILEGES" : $"ALTER DEFAULT PRIVILEGES FOR ROLE {SqlText.Identifier(creator)}";
        var lines = new List<string>
        {
            $"{verb} {tablePrivileges} ON ALL TABLES IN SCHEMA {where} {direction} {who};",
            $"{verb} {sequencePrivileges} ON ALL SEQUENCES IN SCHEMA {where} {direction} {who};",
            $"{defaults} IN SCHEMA {where} {verb} {tablePrivileges} ON TABLES {direction} {who};",
            $"{defaults} IN SCHEMA {where} {verb} {sequencePrivileges} ON SEQUENCES {direction} {who};",
        };

        // USAGE on the schema comes first when granting and goes last when revoking.
        var usage = $"{verb} USAGE ON SCHEMA {where} {direction} {who};";
        if (grant)
        {
            lines.Insert(0, usage);
        }
        else
        {
            lines.Add(usage);
        }

        return string.Join('\n', lines);
    }
}
