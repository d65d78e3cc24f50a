using System.Globalization;
using System.Text;
using PgTenancy.Sql;

namespace PgTenancy.Doctor.Hardening;

/// <summary>roles.sql: the four least-privilege roles, their grants, and what PUBLIC loses. Idempotent; no passwords.</summary>
internal static class RolesSqlFile
{
    public static string Content(HardeningInput input)
    {
        var db = SqlText.Identifier(input.Database);
        var schema = SqlText.Identifier(input.Schema);
        var text = new StringBuilder(GeneratedHeader.For("--", "roles and privileges (run as a superuser, connected to the application database)."));
        text.Append(CultureInfo.InvariantCulture, $"""
            -- Passwords are never in this file: set them at deploy time with psql's \password, which sends only a SCRAM secret
            -- (an ALTER ROLE … PASSWORD 'text' would land in pgaudit's role log). Rerunning this file is safe.
            BEGIN;

            -- ---- The roles: each may only do its job; none is superuser, creates roles or databases, or bypasses RLS ----
            {TenantRoles.EnsureRole(input.AppRole, TenantRoleKind.Application)}
            {TenantRoles.EnsureRole(input.ReadOnlyRole, TenantRoleKind.ReadOnly)}
            {TenantRoles.EnsureRole(input.MigratorRole, TenantRoleKind.Migrator)}
            {TenantRoles.EnsureRole(input.AuditorRole, TenantRoleKind.Auditor)}

            -- ---- The database: only these roles may connect; nobody else creates objects in the schema ----
            REVOKE ALL ON DATABASE {db} FROM PUBLIC;
            GRANT CONNECT ON DATABASE {db} TO {SqlText.Identifier(input.AppRole)}, {SqlText.Identifier(input.ReadOnlyRole)}, {SqlText.Identifier(input.MigratorRole)};
            {TenantRoles.RevokeCreateFromPublic(input.Schema)}
            -- (REVOKE ALL above includes TEMPORARY: no temporary object can shadow a tenant table for a later client.)
            -- Other sessions' query text (the literal search terms of other tenants' requests) for monitoring roles only.
            {TenantRoles.HideOtherSessionsQueries()}
            -- The migrator owns the tables it creates (so the application role never owns one and RLS is never bypassed).
            GRANT USAGE, CREATE ON SCHEMA {schema} TO {SqlText.Identifier(input.MigratorRole)};

            -- ---- The application: DML only (no TRUNCATE, which ignores RLS; no REFERENCES; no CREATE), now and on tables the migrator creates later ----
            {TenantRoles.GrantDml(input.AppRole, input.Schema, input.MigratorRole)}

            -- ---- Read-only: SELECT, now and later ----
            {TenantRoles.GrantReadOnly(input.ReadOnlyRole, input.Schema, input.MigratorRole)}

            """);
        if (input.AuditedTables.Count > 0)
        {
            text.Append("-- ---- Object audit: pgaudit logs every statement that uses a table the auditor role has a privilege on ----\n");
            text.Append("-- A table that does not exist yet (roles.sql runs before the migrations, and again after them) is skipped with a notice.\n");
            foreach (var table in input.AuditedTables)
            {
                var name = table.Contains('.', StringComparison.Ordinal)
                    ? string.Join('.', table.Split('.').Select(SqlText.Identifier))
                    : $"{schema}.{SqlText.Identifier(table)}";
                var grant = $"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {SqlText.Identifier(input.AuditorRole)}";
                text.Append(CultureInfo.InvariantCulture, $"""
                    DO $audit$ BEGIN
                      IF pg_catalog.to_regclass({SqlText.Literal(name)}) IS NULL THEN
                        RAISE NOTICE 'audited table % does not exist yet: run roles.sql again after the migrations', {SqlText.Literal(name)};
                      ELSE
                        EXECUTE {SqlText.Literal(grant)};
                      END IF;
                    END $audit$;

                    """);
            }
        }

        text.Append("\nCOMMIT;\n");
        return text.ToString();
    }
}
