using PgTenancy.Binding;
using PgTenancy.Sql;

namespace PgTenancy.Policies;

/// <summary>
/// The row-level-security DDL for one tenant table, in the shape of DESIGN.md ("The RLS shape that migrations emit"):
/// enabled and forced (so the owner is bound too), one permissive policy for the application roles whose USING and
/// WITH CHECK compare the tenant column with the bound setting. The one place this SQL is spelled; the EF Core
/// migrations, the command-line tool and the doctor use it.
/// </summary>
/// <param name="Table">The table's name.</param>
/// <param name="Schema">Its schema, or <see langword="null"/> for the search path's.</param>
/// <param name="TenantColumn">The tenant column.</param>
/// <param name="TenantKind">The tenant column's type.</param>
/// <param name="AppRoles">The roles the policy applies to; empty means PUBLIC.</param>
/// <param name="SettingName">The setting that carries the tenant.</param>
/// <param name="PolicyName">The policy's name.</param>
internal sealed record TenantPolicy(
    string Table,
    string? Schema,
    string TenantColumn,
    TenantIdKind TenantKind,
    IReadOnlyList<string> AppRoles,
    string SettingName = "app.tenant_id",
    string PolicyName = "tenant_isolation")
{
    /// <summary>
    /// The bound tenant as the column's type. <c>(SELECT …)</c> makes it an InitPlan, evaluated once per statement
    /// instead of once per row (measured: 30 ms against 209 ms on a 1M-row sequential scan). <c>NULLIF(…, '')</c>,
    /// because a reset setting reads '' rather than NULL; NULL then matches no row.
    /// </summary>
    public string BoundTenantExpression =>
        $"(SELECT NULLIF(pg_catalog.current_setting({SqlText.Literal(SettingName)}, true), '')::{BindingSql.KindName(TenantKind)})";

    /// <summary>ENABLE and FORCE row-level security, and the tenant policy.</summary>
    public string EnableSql()
    {
        var table = SqlText.Qualified(Schema, Table);
        var roles = AppRoles.Count == 0 ? "PUBLIC" : string.Join(", ", AppRoles.Select(SqlText.Identifier));
        var predicate = $"{SqlText.Identifier(TenantColumn)} = {BoundTenantExpression}";
        return $"""
            ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
            ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
            CREATE POLICY {SqlText.Identifier(PolicyName)} ON {table} AS PERMISSIVE FOR ALL TO {roles}
              USING ({predicate})
              WITH CHECK ({predicate});
            """;
    }

    /// <summary>The exact inverse of <see cref="EnableSql"/>.</summary>
    public string DisableSql()
    {
        var table = SqlText.Qualified(Schema, Table);
        return $"""
            DROP POLICY {SqlText.Identifier(PolicyName)} ON {table};
            ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
            ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
            """;
    }
}
