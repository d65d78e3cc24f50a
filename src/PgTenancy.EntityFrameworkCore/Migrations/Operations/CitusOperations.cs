using Microsoft.EntityFrameworkCore.Migrations.Operations;

namespace PgTenancy.EntityFrameworkCore.Migrations.Operations;

/// <summary>What the Citus table operations share: the table.</summary>
public abstract class CitusTableOperation : MigrationOperation
{
    /// <summary>The table.</summary>
    public required string Table { get; set; }

    /// <summary>The table's schema, or <see langword="null"/> for the default.</summary>
    public string? Schema { get; set; }
}

/// <summary>Distributes a tenant table across a Citus cluster by its tenant column (docs/citus.md).</summary>
public sealed class DistributeTenantTableOperation : CitusTableOperation
{
    /// <summary>The tenant column, the distribution column.</summary>
    public required string TenantColumn { get; set; }

    /// <summary>The (schema-qualified) table to colocate with, so that joins on the tenant stay on one node; <see langword="null"/> for Citus's default group.</summary>
    public string? ColocateWith { get; set; }
}

/// <summary>Makes a table of shared lookup data a Citus reference table, copied to every node.</summary>
public sealed class CreateReferenceTableOperation : CitusTableOperation
{
}

/// <summary>The inverse of <see cref="DistributeTenantTableOperation"/> and <see cref="CreateReferenceTableOperation"/>.</summary>
public sealed class UndistributeTableOperation : CitusTableOperation
{
}
