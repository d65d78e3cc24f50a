namespace PgTenancy.Testing.Isolation;

/// <summary>The SQL the kit sends. Every value is a text parameter cast to its column's type; every column is read back as text.</summary>
internal static class SqlBuilder
{
    public static string SelectList(TableShape table) =>
        string.Join(", ", table.Columns.Select(c => $"{ShapeReader.Quote(c.Name)}::text"));

    public static Statement SelectAll(TableShape table) =>
        new($"SELECT {SelectList(table)} FROM {table.Sql}", []);

    /// <summary>Every row of <paramref name="relation"/>, a partition of <paramref name="table"/>, queried directly.</summary>
    public static Statement SelectAllFrom(TableShape table, string relation) =>
        new($"SELECT {SelectList(table)} FROM {relation}", []);

    /// <summary>An UPDATE without WHERE that changes nothing (the tenant column set to itself): how many rows the statement may reach.</summary>
    public static Statement TouchEveryRow(TableShape table) =>
        new($"UPDATE {table.Sql} SET {ShapeReader.Quote(table.TenantColumn)} = {ShapeReader.Quote(table.TenantColumn)}", []);

    /// <summary>The metamorphic twin of <see cref="SelectAll"/>: the same read, with the tenant filter spelled out, for the oracle role.</summary>
    public static Statement SelectAllOf(TableShape table, TenantId tenant) =>
        new($"SELECT {SelectList(table)} FROM {table.Sql} WHERE {Cast(table, table.TenantColumn, 1)}", [tenant.Value]);

    public static Statement SelectByKey(TableShape table, string?[] key) =>
        new($"SELECT {SelectList(table)} FROM {table.Sql} WHERE {KeyPredicate(table, 1)}", key);

    public static Statement SelectByKeyOf(TableShape table, string?[] key, TenantId tenant) =>
        new($"SELECT {SelectList(table)} FROM {table.Sql} WHERE {KeyPredicate(table, 1)} AND {Cast(table, table.TenantColumn, key.Length + 1)}", [.. key, tenant.Value]);

    public static Statement Insert(TableShape table, IReadOnlyList<(string Column, string? Value)> values) =>
        new($"INSERT INTO {table.Sql} ({string.Join(", ", values.Select(v => ShapeReader.Quote(v.Column)))}) "
            + $"VALUES ({string.Join(", ", values.Select((v, i) => $"CAST(${i + 1} AS {table.Column(v.Column).Type})"))}) RETURNING {SelectList(table)}",
            [.. values.Select(v => v.Value)]);

    /// <summary>A statement without its RETURNING clause: RETURNING makes PostgreSQL check the SELECT policy on the new rows, which an attacker would not ask for.</summary>
    public static Statement WithoutReturning(Statement statement) =>
        new(statement.Sql[..statement.Sql.LastIndexOf(" RETURNING ", StringComparison.Ordinal)], statement.Parameters);

    public static Statement Update(TableShape table, string column, string? value, string?[] key) =>
        new($"UPDATE {table.Sql} SET {ShapeReader.Quote(column)} = CAST($1 AS {table.Column(column).Type}) WHERE {KeyPredicate(table, 2)} RETURNING {SelectList(table)}",
            [value, .. key]);

    /// <summary>
    /// An UPDATE of every row the policies let the statement touch, without a WHERE clause: with no column read,
    /// PostgreSQL applies no SELECT policy to the new rows, so only the UPDATE policy's WITH CHECK can refuse them.
    /// </summary>
    public static Statement UpdateEveryRow(TableShape table, string column, string? value) =>
        new($"UPDATE {table.Sql} SET {ShapeReader.Quote(column)} = CAST($1 AS {table.Column(column).Type}) RETURNING {SelectList(table)}", [value]);

    public static Statement Delete(TableShape table, string?[] key) =>
        new($"DELETE FROM {table.Sql} WHERE {KeyPredicate(table, 1)} RETURNING {SelectList(table)}", key);

    public static Statement Setting(string settingName, string? verifier) => verifier is null
        ? new("SELECT pg_catalog.current_setting($1, true)", [settingName])
        : new($"SELECT {verifier}($1)", [settingName]);

    /// <summary>The key columns (without the tenant column): an application's usual <c>WHERE id = …</c>, with RLS as the only tenant filter.</summary>
    private static string KeyPredicate(TableShape table, int firstParameter) =>
        string.Join(" AND ", table.KeyColumns.Select((c, i) => Cast(table, c, firstParameter + i)));

    private static string Cast(TableShape table, string column, int parameter) =>
        $"{ShapeReader.Quote(column)} = CAST(${parameter} AS {table.Column(column).Type})";
}
