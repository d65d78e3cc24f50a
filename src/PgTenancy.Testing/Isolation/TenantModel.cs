namespace PgTenancy.Testing.Isolation;

/// <summary>
/// The model-based oracle's state: the rows one tenant should see, per table, keyed by the primary key without the
/// tenant column. Only the tenant's own operations change it; another tenant's operations must not. Also hands out
/// the tenant's fresh key values, deterministically, so that a replayed case sends the same SQL.
/// </summary>
internal sealed class TenantModel(TenantId tenant, int index, TableShape[] tables)
{
    private readonly Dictionary<string, string?[]>[] _rows = [.. tables.Select(_ => new Dictionary<string, string?[]>(StringComparer.Ordinal))];
    private readonly int[] _sequences = new int[tables.Length];
    private readonly Lock _lock = new();

    public TenantId Tenant { get; } = tenant;

    public int Index { get; } = index;

    public static string KeyOf(TableShape table, string?[] row) =>
        string.Join('\u001f', table.KeyColumns.Select(c => row[table.IndexOf(c)]));

    public static string?[] KeyValues(TableShape table, string?[] row) =>
        [.. table.KeyColumns.Select(c => row[table.IndexOf(c)])];

    public List<string?[]> Rows(int table)
    {
        lock (_lock)
        {
            return [.. _rows[table].Values];
        }
    }

    public string?[]? Find(int table, string key)
    {
        lock (_lock)
        {
            return _rows[table].GetValueOrDefault(key);
        }
    }

    /// <summary>The row at <paramref name="pick"/> (modulo the count), or null when the table has none; optionally only rows without children.</summary>
    public string?[]? Pick(int table, int pick, bool withoutChildren = false)
    {
        var rows = Rows(table);
        if (withoutChildren)
        {
            rows = [.. rows.Where(r => !HasChildren(table, r))];
        }

        return rows.Count == 0 ? null : rows[pick % rows.Count];
    }

    /// <summary>Whether a row of this tenant references <paramref name="row"/> of <paramref name="table"/> by a foreign key.</summary>
    public bool HasChildren(int table, string?[] row)
    {
        for (var child = 0; child < tables.Length; child++)
        {
            foreach (var foreignKey in tables[child].ForeignKeys.Where(f => f.ParentTable == table))
            {
                var parentValues = foreignKey.ParentColumns.Select(c => row[tables[table].IndexOf(c)]).ToArray();
                if (Rows(child).Any(r => foreignKey.Columns.Select(c => r[tables[child].IndexOf(c)]).SequenceEqual(parentValues)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public void Put(int table, string?[] row)
    {
        lock (_lock)
        {
            _rows[table][KeyOf(tables[table], row)] = row;
        }
    }

    /// <summary>Makes <paramref name="rows"/> the tenant's rows of <paramref name="table"/>, as the oracle read them.</summary>
    public void Replace(int table, IEnumerable<string?[]> rows)
    {
        lock (_lock)
        {
            _rows[table].Clear();
            foreach (var row in rows)
            {
                _rows[table][KeyOf(tables[table], row)] = row;
            }
        }
    }

    public void Remove(int table, string key)
    {
        lock (_lock)
        {
            _rows[table].Remove(key);
        }
    }

    /// <summary>The next sequence number for a new row of <paramref name="table"/>; numbers start after the seed rows.</summary>
    public int NextSequence(int table) => Interlocked.Increment(ref _sequences[table]);
}
