namespace PgTenancy.Testing.Isolation;

/// <summary>An operation a tenant runs under test. The SQL or EF Core call is chosen when it runs, from the tenant's model.</summary>
internal enum OperationKind
{
    ReadAll,
    ReadByKey,
    ReadSetting,
    Insert,
    InsertBatch,
    Update,
    Delete,
    InsertForOtherTenant,
    MoveToOtherTenant,
    UpdateOtherTenantsKey,
    DeleteOtherTenantsKey,
    ForeignKeyToOtherTenant,
    UniqueKeyProbe,
    ReadPartition,
    Unbound,
    EfLinqRead,
    EfFind,
    EfSaveChanges,
    EfUpdate,
    EfRemove,
    EfExecuteUpdate,
    EfExecuteDelete,
}

/// <summary>
/// One generated operation. <see cref="Table"/>, <see cref="Pick"/> and <see cref="Other"/> are indexes resolved
/// modulo what exists when it runs (tables, rows of the model, other tenants), so that shrinking never makes them invalid.
/// </summary>
internal sealed record Operation(OperationKind Kind, int Table, int Pick, int Other, int Count);

/// <summary>The operations of one tenant, in order.</summary>
internal sealed record TenantScript(int Tenant, Operation[] Operations);

/// <summary>A generated case: tenants, the rows each starts with per table, each tenant's operations, and how they run.</summary>
internal sealed record IsolationCase(TenantId[] Tenants, int[][] SeedRows, TenantScript[] Scripts, bool ThroughPgBouncer, bool Concurrent)
{
    /// <summary>A tenant id that runs no statement: its rows (and rows with a NULL tenant, where the column allows them) are seeded for nobody to see or change.</summary>
    public TenantId? Outsider { get; init; }

    /// <summary>How many rows per table the outsider, and the NULL tenant, start with.</summary>
    public int BystanderRows { get; init; }

    public int OperationCount => Scripts.Sum(s => s.Operations.Length);

    public override string ToString() =>
        $"{Tenants.Length} tenants ({string.Join(", ", Tenants.Select(t => t.Value))}), {OperationCount} operations"
        + (BystanderRows > 0 ? $", {BystanderRows} row(s) per table outside the case's tenants" : "")
        + $"{(ThroughPgBouncer ? ", through PgBouncer" : "")}{(Concurrent ? ", concurrent" : "")}";
}
