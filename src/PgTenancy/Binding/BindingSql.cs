using PgTenancy.Sql;

namespace PgTenancy.Binding;

/// <summary>
/// The one place that spells the SQL of the tenant binding: the statement sent before each of the caller's statements,
/// in the same batch (docs/concepts.md, "The binding contract"), and the procedures <see cref="TenancyInstaller"/>
/// installs for sessions that bind by hand.
/// </summary>
/// <remarks>
/// The bind is a <c>SELECT pg_catalog.set_config(…, true)</c> whose one-row result <see cref="BoundExecution"/> skips
/// before the caller sees the reader: chosen by measurement over <c>CALL</c> of a procedure (docs/benchmarks.md, "Which
/// bind statement"). A <c>CALL</c> is a utility statement, executed without a reusable plan, and a SQL procedure's body is
/// parsed on every call; a <c>SELECT</c> is planned like any query and can be prepared. A SELECT adds no row count
/// (Npgsql counts rows of INSERT, UPDATE, DELETE, MERGE, COPY and MOVE only), and unlike <c>SET LOCAL</c> it raises no
/// warning outside a transaction block. It sets the setting transaction-locally: the batch is one implicit transaction,
/// so the binding ends with the caller's statement, and neither Npgsql's pool nor PgBouncer's transaction pooling can
/// carry it to another client. It casts the id to the tenant column's type, so a malformed id fails the statement
/// instead of matching anything; a signed token is set as it is, and the policies verify it. Only
/// <c>pg_catalog</c> is named, so the bind needs nothing installed and no search_path can redirect it.
/// </remarks>
internal static class BindingSql
{
    /// <summary>The schema-qualified name of the procedure that binds tenants of <paramref name="kind"/> (installed for manual sessions).</summary>
    public static string ProcedureName(TenancyOptions options, TenantIdKind kind, bool inApplicationName = false) =>
        SqlText.Qualified(options.Schema, "bind_" + KindName(kind) + (inApplicationName ? "_named" : ""));

    /// <summary>
    /// The statement that binds the tenant given in <paramref name="tenantPlaceholder"/> (e.g. <c>$1</c>): one row, one
    /// text column, which the binding's executions skip.
    /// </summary>
    public static string BindStatement(TenancyOptions options, string tenantPlaceholder)
    {
        var setting = SqlText.Literal(options.SettingName);
        if (options.SigningKey is null)
        {
            var bound = $"pg_catalog.set_config({setting}, {CanonicalTenant(options.TenantKind, tenantPlaceholder)}, true)";
            // set_config returns the value it set, so the id is canonicalised once; log lines with %a then name the tenant.
            return options.TenantInApplicationName
                ? $"SELECT pg_catalog.set_config('application_name', 'tenant:' || {bound}, true)"
                : $"SELECT {bound}";
        }

        var token = $"pg_catalog.set_config({setting}, COALESCE({tenantPlaceholder}, ''), true)";
        // The name is read from the token unverified, which is fine for a name any session may set anyway; the
        // policies still verify the token.
        return options.TenantInApplicationName
            ? $"SELECT {token}, pg_catalog.set_config('application_name', 'tenant:' || COALESCE(pg_catalog.convert_from(pg_catalog.decode(pg_catalog.split_part({tenantPlaceholder}, '.', 3), 'hex'), 'UTF8'), ''), true)"
            : $"SELECT {token}";
    }

    /// <summary>The setting that makes a Citus coordinator forward SET LOCAL to the workers of the transaction.</summary>
    public const string CitusPropagation = "SET LOCAL citus.propagate_set_commands = 'local'";

    /// <summary>
    /// Citus mode: the statements that bind <paramref name="boundValue"/> (the tenant, or its signed token) for the rest
    /// of the transaction, on the coordinator and on every worker the transaction reaches. SET takes no parameters, so
    /// the value is inlined as an escape literal; it is a tenant already checked against its kind (or a token of hex and
    /// dots), and the policies cast it to the column's type. No result set, no row count.
    /// </summary>
    public static IReadOnlyList<string> CitusBindStatements(TenancyOptions options, string tenant, string boundValue)
    {
        var parts = options.SettingName.Split('.');
        var statements = new List<string>
        {
            CitusPropagation,
            $"SET LOCAL {SqlText.Identifier(parts[0])}.{SqlText.Identifier(parts[1])} = {SqlText.EscapeLiteral(boundValue)}",
        };
        if (options.TenantInApplicationName && tenant.Length > 0)
        {
            statements.Add($"SET LOCAL application_name = {SqlText.EscapeLiteral("tenant:" + tenant)}");
        }

        return statements;
    }

    /// <summary>Creates the schema and the procedures for every kind. Idempotent; run by the owner or migrator role.</summary>
    public static string InstallScript(TenancyOptions options)
    {
        var schema = SqlText.Identifier(options.Schema);
        var lines = new List<string>
        {
            // Serialise concurrent installs: two CREATE OR REPLACE of one procedure can fail with "tuple concurrently updated".
            $"SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext({SqlText.Literal("pgtenancy.install." + options.Schema)}));",
            $"CREATE SCHEMA IF NOT EXISTS {schema};",
            // The procedures only do what set_config already lets every role do, so every role may use them.
            $"GRANT USAGE ON SCHEMA {schema} TO PUBLIC;",
        };

        foreach (var kind in Enum.GetValues<TenantIdKind>())
        {
            lines.Add($"""
                CREATE OR REPLACE PROCEDURE {ProcedureName(options, kind)}(setting_name text, tenant text)
                LANGUAGE sql
                AS $pgtenancy$ SELECT pg_catalog.set_config(setting_name, {CanonicalTenant(kind, "tenant")}, true) $pgtenancy$;
                """);
            lines.Add($"COMMENT ON PROCEDURE {ProcedureName(options, kind)}(text, text) IS {SqlText.Literal($"PgTenancy: binds a {KindName(kind)} tenant to the current transaction. '' binds no tenant.")};");

            // The same, and application_name = 'tenant:<id>' for the transaction: set_config returns the value it set,
            // so the id is canonicalised once. Log lines with %a in log_line_prefix (pgaudit's too) then name the tenant.
            lines.Add($"""
                CREATE OR REPLACE PROCEDURE {ProcedureName(options, kind, inApplicationName: true)}(setting_name text, tenant text)
                LANGUAGE sql
                AS $pgtenancy$ SELECT pg_catalog.set_config('application_name', 'tenant:' || pg_catalog.set_config(setting_name, {CanonicalTenant(kind, "tenant")}, true), true) $pgtenancy$;
                """);
            lines.Add($"COMMENT ON PROCEDURE {ProcedureName(options, kind, inApplicationName: true)}(text, text) IS {SqlText.Literal($"PgTenancy: binds a {KindName(kind)} tenant to the current transaction and names it in application_name, for the log.")};");
        }

        return string.Join('\n', lines);
    }

    /// <summary>The exact inverse of <see cref="InstallScript"/> for the procedures; drops the schema only if empty.</summary>
    public static string UninstallScript(TenancyOptions options)
    {
        var lines = Enum.GetValues<TenantIdKind>()
            .SelectMany(kind => new[] { ProcedureName(options, kind), ProcedureName(options, kind, inApplicationName: true) })
            .Select(procedure => $"DROP PROCEDURE IF EXISTS {procedure}(text, text);")
            .ToList();
        lines.Add($"DROP SCHEMA IF EXISTS {SqlText.Identifier(options.Schema)} RESTRICT;");
        return string.Join('\n', lines);
    }

    public static string KindName(TenantIdKind kind) => TenantKinds.Of(kind).SqlType;

    // '' (no tenant) stays ''; anything else must survive a cast to the column's type, or the statement fails.
    private static string CanonicalTenant(TenantIdKind kind, string tenant) => kind == TenantIdKind.Text
        ? $"COALESCE({tenant}, '')"
        : $"COALESCE(NULLIF({tenant}, '')::{TenantKinds.Of(kind).CatalogType}::pg_catalog.text, '')";
}
