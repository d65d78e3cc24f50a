using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Update;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

namespace PgTenancy.EntityFrameworkCore.Update;

/// <summary>Makes SaveChanges batches that carry the tenant binding (replaces efcore.pg's factory).</summary>
internal sealed class TenantModificationCommandBatchFactory(
    ModificationCommandBatchFactoryDependencies dependencies,
    IDbContextOptions options,
    IRelationalTypeMappingSource typeMappings) : IModificationCommandBatchFactory
{
    // efcore.pg's default when MaxBatchSize is not configured.
    private const int DefaultMaxBatchSize = 1000;

    // As efcore.pg: the configured size, or its default; never capped, and a size that cannot batch anything is refused.
    private readonly int _maxBatchSize = RelationalOptionsExtension.Extract(options).MaxBatchSize is { } configured
        ? configured > 0 ? configured : throw new ArgumentOutOfRangeException(nameof(RelationalOptionsExtension.MaxBatchSize), RelationalStrings.InvalidMaxBatchSize(configured))
        : DefaultMaxBatchSize;

    private readonly RelationalTypeMapping _text = typeMappings.FindMapping(typeof(string))
        ?? throw new InvalidOperationException("The PostgreSQL provider has no type mapping for string.");

    // Resolved per context (the factory is a scoped service), from that context's own UseTenancy() options.
    private readonly TenancyOptionsExtension _tenancy = options.FindExtension<TenancyOptionsExtension>() ?? new TenancyOptionsExtension();

    public ModificationCommandBatch Create() =>
        new TenantModificationCommandBatch(dependencies, _maxBatchSize, _text, _tenancy.Binding, _tenancy.BypassReason);
}
