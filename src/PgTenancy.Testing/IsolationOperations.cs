namespace PgTenancy.Testing;

/// <summary>The kinds of operation <see cref="TenantIsolation"/> generates. Combine them; the default is <see cref="All"/>.</summary>
[Flags]
public enum IsolationOperations
{
    /// <summary>Reads of a whole table and by key, compared with the model and with the oracle role's read.</summary>
    Reads = 1,

    /// <summary>The tenant's own inserts (single and batched), updates and deletes.</summary>
    Writes = 2,

    /// <summary>Inserts for another tenant, moves of a row into another tenant, updates and deletes aimed at another tenant's keys.</summary>
    CrossTenantWrites = 4,

    /// <summary>Child rows whose foreign key points at another tenant's parent row.</summary>
    ForeignKeyProbes = 8,

    /// <summary>Inserts that reuse another tenant's unique-key values, to find keys that leak existence across tenants.</summary>
    UniqueKeyProbes = 16,

    /// <summary>Reads of the tenant setting itself, as each statement sees it.</summary>
    BindingProbes = 32,

    /// <summary>EF Core operations (LINQ, <c>Find</c>, <c>SaveChanges</c>, <c>ExecuteUpdate</c>/<c>ExecuteDelete</c>); used by the EF Core entry point only.</summary>
    EntityFramework = 64,

    /// <summary>Every kind.</summary>
    All = Reads | Writes | CrossTenantWrites | ForeignKeyProbes | UniqueKeyProbes | BindingProbes | EntityFramework,
}
