using System.Globalization;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// Builds the column values of a new row: the tenant, fresh key and unique values from the tenant's sequence, foreign
/// keys pointing at one of the tenant's own parent rows, and plain values for the rest. Columns the server supplies
/// (identity, generated, defaulted) are left out. Values are text, cast to the column type in SQL.
/// </summary>
internal static class RowFactory
{
    private static readonly DateTime Epoch = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// Values for a new row of <paramref name="table"/> owned by <paramref name="model"/>, or null when a required
    /// parent row does not exist. <paramref name="owner"/>, when another tenant's model, puts that tenant in the tenant column and takes parent rows from it (cross-tenant attempts);
    /// <paramref name="parentOverride"/> supplies a foreign key's parent row (foreign-key probes).
    /// </summary>
    public static List<(string Column, string? Value)>? NewRow(
        TableShape[] tables, int table, TenantModel model, int pick, TenantModel? owner = null, (ForeignKeyShape Key, string?[] Parent)? parentOverride = null, int attempt = 0)
    {
        var shape = tables[table];
        var sequence = model.NextSequence(table);
        owner ??= model;
        var values = new Dictionary<string, string?>(StringComparer.Ordinal) { [shape.TenantColumn] = owner.Tenant.Value };
        foreach (var foreignKey in shape.ForeignKeys)
        {
            var parent = parentOverride is { } o && o.Key == foreignKey ? o.Parent : owner.Pick(foreignKey.ParentTable, pick);
            if (parent is null)
            {
                if (foreignKey.Columns.Any(c => !shape.Column(c).Nullable && c != shape.TenantColumn))
                {
                    return null;
                }

                continue;
            }

            var parentShape = tables[foreignKey.ParentTable];
            for (var i = 0; i < foreignKey.Columns.Length; i++)
            {
                if (foreignKey.Columns[i] != shape.TenantColumn)
                {
                    values[foreignKey.Columns[i]] = parent[parentShape.IndexOf(foreignKey.ParentColumns[i])];
                }
            }
        }

        var unique = new HashSet<string>(shape.UniqueKeys.SelectMany(k => k.Columns), StringComparer.Ordinal);
        foreach (var column in shape.Columns)
        {
            if (values.ContainsKey(column.Name) || column.ServerSupplied || column.Kind == ValueKind.Unsupported)
            {
                continue;
            }

            // Keys unique per tenant reuse the same values in every tenant (a collision probe for free); keys unique
            // across tenants get values no other tenant uses, so that only the unique-key probe tests them.
            var perTenant = shape.UniqueKeys.Where(k => k.Columns.Contains(column.Name)).All(k => k.IncludesTenant);
            values[column.Name] = unique.Contains(column.Name)
                ? Value(column, perTenant ? sequence : (model.Index * 100_000) + sequence)
                : Value(column, pick + sequence);
        }

        // A probe may have copied another tenant's key into this tenant: skip sequence numbers already taken here.
        if (owner == model && Collides(shape, table, model, values) && attempt < 100)
        {
            return NewRow(tables, table, model, pick, owner, parentOverride, attempt + 1);
        }

        return [.. values.Select(v => (v.Key, v.Value))];
    }

    private static bool Collides(TableShape shape, int table, TenantModel model, Dictionary<string, string?> values) =>
        shape.UniqueKeys.Where(k => k.Columns.All(values.ContainsKey)).Any(key =>
            model.Rows(table).Any(row => key.Columns.All(c => row[shape.IndexOf(c)] == values[c])));

    /// <summary>A value for <paramref name="column"/> derived from <paramref name="n"/>: one of its choices, if it has any.</summary>
    public static string Value(ColumnShape column, int n) =>
        column.Choices is { Count: > 0 } choices ? choices[n % choices.Count] : Value(column.Kind, n);

    /// <summary>A value for a column of <paramref name="kind"/> derived from <paramref name="n"/>, as PostgreSQL text input.</summary>
    public static string Value(ValueKind kind, int n) => kind switch
    {
        ValueKind.Integer => n.ToString(CultureInfo.InvariantCulture),
        ValueKind.Numeric => string.Create(CultureInfo.InvariantCulture, $"{n}.5"),
        ValueKind.Uuid => new Guid(n, 0x1234, 0x4567, 0x89, 0xab, 0, 0, 0, 0, 0, 1).ToString(),
        ValueKind.Boolean => n % 2 == 0 ? "true" : "false",
        ValueKind.Timestamp => Epoch.AddMinutes(n).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        ValueKind.Date => Epoch.AddDays(n).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ValueKind.Json => string.Create(CultureInfo.InvariantCulture, $"{{\"n\": {n}}}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"k{n}"),
    };
}
