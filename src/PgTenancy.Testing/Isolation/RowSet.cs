namespace PgTenancy.Testing.Isolation;

/// <summary>Rows as the oracles compare them (in key order, column by column, as text) and print them.</summary>
internal static class RowSet
{
    private const int MaxPrintedRows = 8;

    public static List<string?[]> Sorted(TableShape shape, IEnumerable<string?[]> rows) =>
        [.. rows.OrderBy(r => TenantModel.KeyOf(shape, r), StringComparer.Ordinal)];

    public static bool Same(List<string?[]> expected, List<string?[]> actual) =>
        expected.Count == actual.Count && expected.Zip(actual).All(p => p.First.SequenceEqual(p.Second));

    public static string Format(TableShape shape, IReadOnlyList<string?[]> rows)
    {
        if (rows.Count == 0)
        {
            return "no rows";
        }

        var lines = rows.Take(MaxPrintedRows)
            .Select(r => "(" + string.Join(", ", shape.Columns.Select((c, i) => $"{c.Name}={r[i] ?? "NULL"}")) + ")");
        return string.Join("; ", lines) + (rows.Count > MaxPrintedRows ? $"; … {rows.Count - MaxPrintedRows} more" : "");
    }
}
