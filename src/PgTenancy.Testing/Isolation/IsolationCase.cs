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
    public int OperationCount => Scripts.Sum(s => s.Operations.Length);

    public override string ToString() =>
        $"{Tenants.Length} tenants, {OperationCount} operations{(ThroughPgBouncer ? ", through PgBouncer" : "")}{(Concurrent ? ", concurrent" : "")}";
}
