using PgTenancy.Binding;
using PgTenancy.Sql;

namespace PgTenancy;

/// <summary>
/// The row-level-security DDL for one tenant table, in the shape docs/concepts.md explains ("Why row-level security"):
/// enabled and forced (so the owner is bound too), one permissive policy for the application roles whose USING and
/// WITH CHECK compare the tenant column with the bound setting. The one place this SQL is spelled; the EF Core
/// migrations, the command-line tool and the doctor use it.
/// </summary>
/// <example>
/// <code>
/// var policy = new TenantIsolationPolicy("orders", "tenant_id") { Schema = "shop", AppRoles = ["shop_app"] };
/// Console.WriteLine(policy.EnableSql());
/// </code>
/// </example>
public sealed class TenantIsolationPolicy
{
    /// <summary>Describes the isolation of <paramref name="table"/> by <paramref name="tenantColumn"/>.</summary>
    /// <exception cref="ArgumentException">A name is empty.</exception>
    public TenantIsolationPolicy(string table, string tenantColumn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        ArgumentException.ThrowIfNullOrWhiteSpace(tenantColumn);
        Table = table;
        TenantColumn = tenantColumn;
    }

    /// <summary>The table's name, as it is in the catalog (quoted in the SQL, so any name works).</summary>
    public string Table { get; }

    /// <summary>The tenant column's name.</summary>
    public string TenantColumn { get; }

    /// <summary>The table's schema; <see langword="null"/> for the search path's first schema.</summary>
    public string? Schema { get; init; }

    /// <summary>The tenant column's type (default <see cref="TenantIdKind.Uuid"/>).</summary>
    public TenantIdKind TenantKind { get; init; } = TenantIdKind.Uuid;

    /// <summary>The roles the policy applies to; empty means PUBLIC (every role without BYPASSRLS).</summary>
    public IReadOnlyList<string> AppRoles { get; init; } = [];

    /// <summary>The policy's name (default <c>tenant_isolation</c>).</summary>
    public string PolicyName { get; init; } = TenancyDefaults.PolicyName;

    /// <summary>The setting that carries the tenant (default <c>app.tenant_id</c>).</summary>
    public string SettingName { get; init; } = TenancyDefaults.SettingName;

    /// <summary>
    /// Whether the policy compares the tenant column with the tenant of a verified signed token (default
    /// <see langword="false"/>: with the raw setting). Needs verification installed
    /// (<see cref="TenancyInstaller.InstallVerificationAsync"/>) and the application to sign (<see cref="TenancyOptions.SigningKey"/>).
    /// </summary>
    public bool Verified { get; init; }

    /// <summary>The schema of the binding's objects, where the verification function is (default <c>pgtenancy</c>).</summary>
    public string BindingSchema { get; init; } = TenancyDefaults.Schema;

    /// <summary>
    /// The subquery-free form, for a table distributed by Citus (default <see langword="false"/>): Citus refuses policies
    /// with a subquery on distributed tables ("Subqueries are not supported in policies on distributed tables"), so the
    /// bound tenant is compared inline. <c>current_setting</c> is stable, so PostgreSQL still evaluates it once per
    /// index scan; a sequential scan evaluates it per row (docs/citus.md has the cost).
    /// </summary>
    public bool Citus { get; init; }

    /// <summary>
    /// The bound tenant as the column's type. <c>(SELECT …)</c> makes it an InitPlan, evaluated once per statement
    /// instead of once per row (measured: 30 ms against 209 ms on a 1M-row sequential scan); in the <see cref="Citus"/>
    /// form it is inline. <c>NULLIF(…, '')</c>, because a reset setting reads '' rather than NULL; NULL then matches no row.
    /// </summary>
    public string BoundTenantExpression
    {
        get
        {
            var bound = Verified
                ? VerificationSql.InlineVerifiedTenantExpression(new TenancyOptions { Schema = BindingSchema, SettingName = SettingName }, TenantKind)
                : $"NULLIF(pg_catalog.current_setting({SqlText.Literal(SettingName)}, true), '')::{BindingSql.KindName(TenantKind)}";
            return Citus ? bound : $"(SELECT {bound})";
        }
    }

    private string QualifiedTable => SqlText.Qualified(Schema, Table);

    /// <summary>
    /// Checks the table (it exists, has the tenant column of the right type, has no policy of this name yet — each
    /// with an error that says what to do), then enables and forces row-level security and creates the policy.
    /// </summary>
    public string EnableSql()
    {
        var roles = AppRoles.Count == 0 ? "PUBLIC" : string.Join(", ", AppRoles.Select(SqlText.Identifier));
        var predicate = $"{SqlText.Identifier(TenantColumn)} = {BoundTenantExpression}";
        return $"""
            {PreconditionsSql()}
            ALTER TABLE {QualifiedTable} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {QualifiedTable} FORCE ROW LEVEL SECURITY;
            CREATE POLICY {SqlText.Identifier(PolicyName)} ON {QualifiedTable} AS PERMISSIVE FOR ALL TO {roles}
              USING ({predicate})
              WITH CHECK ({predicate});
            """;
    }

    /// <summary>The exact inverse of <see cref="EnableSql"/>.</summary>
    /// <remarks>
    /// In the <see cref="Citus"/> form it first makes the transaction's work on distributed tables sequential: dropping a
    /// policy there runs on every shard, in parallel by default, and Citus then refuses what often follows in the same
    /// migration (taking the table back with <c>undistribute_table</c>).
    /// </remarks>
    public string DisableSql() => (Citus ? "SET LOCAL citus.multi_shard_modify_mode TO 'sequential';\n" : "") +
        $"""
        DROP POLICY {SqlText.Identifier(PolicyName)} ON {QualifiedTable};
        ALTER TABLE {QualifiedTable} NO FORCE ROW LEVEL SECURITY;
        ALTER TABLE {QualifiedTable} DISABLE ROW LEVEL SECURITY;
        """;

    private string VerificationInstalledCheck()
    {
        var function = VerificationSql.VerifyFunction(new TenancyOptions { Schema = BindingSchema });
        return $"""
            IF pg_catalog.to_regprocedure({SqlText.Literal(function + "(text)")}) IS NULL THEN
                RAISE EXCEPTION 'PgTenancy: the verification function % is not installed. Install verification first (migrationBuilder.InstallTenantVerification(), or TenancyInstaller.InstallVerificationAsync).', {SqlText.Literal(function)};
              END IF;
              
            """;
    }

    // A DO block, because plain DDL cannot say why it fails in terms of the migration: these errors name the table,
    // the column and the fix. Literals only (DO takes no parameters), all quoted by SqlText.
    private string PreconditionsSql()
    {
        var display = SqlText.Literal(Schema is null ? Table : $"{Schema}.{Table}");
        var column = SqlText.Literal(TenantColumn);
        var kind = TenantKinds.Of(TenantKind);
        var accepted = string.Join(", ", kind.ColumnTypes.Select(t => SqlText.Literal(t) + "::regtype"));
        return $"""
            DO $pgtenancy$
            DECLARE
              target regclass := pg_catalog.to_regclass({SqlText.Literal(QualifiedTable)});
              column_type regtype;
            BEGIN
              IF target IS NULL THEN
                RAISE EXCEPTION 'PgTenancy: table % does not exist. Create it before enabling tenant isolation on it.', {display};
              END IF;
              SELECT a.atttypid::regtype INTO column_type FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = target AND a.attname = {column} AND a.attnum > 0 AND NOT a.attisdropped;
              IF column_type IS NULL THEN
                RAISE EXCEPTION 'PgTenancy: table % has no column %. Add the tenant column (NOT NULL, leading an index) first, or name the right one.', {display}, {column};
              END IF;
              IF column_type NOT IN ({accepted}) THEN
                RAISE EXCEPTION 'PgTenancy: column %.% is %, but the tenant kind is {kind.SqlType}, which fits {string.Join(", ", kind.ColumnTypes)} columns. Change the column type or the tenant kind.', {display}, {column}, column_type;
              END IF;
              {(Verified ? VerificationInstalledCheck() : "")}IF EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = target AND p.polname = {SqlText.Literal(PolicyName)}) THEN
                RAISE EXCEPTION 'PgTenancy: table % already has policy %: tenant isolation is already enabled. Run DisableTenantIsolation first, or use another policy name.', {display}, {SqlText.Literal(PolicyName)};
              END IF;
            END
            $pgtenancy$;
            """;
    }
}
