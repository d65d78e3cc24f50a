namespace PgTenancy.Testing.Isolation;

/// <summary>How the kit generates and compares a column's values.</summary>
internal enum ValueKind
{
    Integer,
    Numeric,
    Text,
    Uuid,
    Boolean,
    Timestamp,
    Date,
    Json,
    Unsupported,
}

/// <summary>
/// A column as the catalog describes it. <see cref="ServerSupplied"/>: identity, generated or defaulted — the kit leaves
/// it to the server. <see cref="Choices"/>: the only values the application can read back (an enum stored as text),
/// from its EF Core model; the kit writes one of them instead of any value of the column's type.
/// </summary>
internal sealed record ColumnShape(string Name, string Type, bool Nullable, bool ServerSupplied, ValueKind Kind, IReadOnlyList<string>? Choices = null);

/// <summary>A foreign key from a tenant table to a tenant table (both in the verification).</summary>
internal sealed record ForeignKeyShape(string Name, string[] Columns, int ParentTable, string[] ParentColumns, bool IncludesTenant);

/// <summary>A unique key (the primary key too) of a tenant table.</summary>
internal sealed record UniqueKeyShape(string Name, string[] Columns, bool IsPrimaryKey, bool IncludesTenant);

/// <summary>A tenant table read from the catalog: what the kit needs to generate rows and compare reads.</summary>
internal sealed record TableShape(
    TenantTable Table,
    string Sql,
    ColumnShape[] Columns,
    string[] KeyColumns,
    ForeignKeyShape[] ForeignKeys,
    UniqueKeyShape[] UniqueKeys)
{
    /// <summary>Unique indexes on expressions (their plain columns in <see cref="UniqueKeyShape.Columns"/>), for the catalog rule only.</summary>
    public UniqueKeyShape[] ExpressionKeys { get; init; } = [];

    /// <summary>The partitions of a partitioned table, at every level; empty for a plain table.</summary>
    public TenantTable[] Partitions { get; init; } = [];

    /// <summary>This table's shape under the name of one of its partitions (same columns and keys), for the catalog rules.</summary>
    public TableShape AsPartition(TenantTable partition) => this with { Table = partition, Sql = ShapeReader.QuotedName(partition), Partitions = [] };

    public string TenantColumn => Table.TenantColumn;

    public ColumnShape Column(string name) => Columns.First(c => c.Name == name);

    public int IndexOf(string column) => Array.FindIndex(Columns, c => c.Name == column);

    /// <summary>The column an update changes: not the tenant, a key, a foreign key or a unique column, and not left to the server.</summary>
    public ColumnShape? ValueColumn => Columns.FirstOrDefault(c =>
        c.Name != TenantColumn && !c.ServerSupplied && c.Kind != ValueKind.Unsupported
        && !KeyColumns.Contains(c.Name)
        && !ForeignKeys.Any(f => f.Columns.Contains(c.Name))
        && !UniqueKeys.Any(u => u.Columns.Contains(c.Name)));

    public override string ToString() => Table.ToString();
}
