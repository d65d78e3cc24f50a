using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;
using PgTenancy.EntityFrameworkCore.Metadata;

namespace PgTenancy.Testing.Isolation;

/// <summary>The tenant-scoped entity types of a DbContext's model, the tables they map to, and their tenant property.</summary>
internal sealed class EntityTables
{
    private EntityTables(IReadOnlyList<(IEntityType Entity, StoreObjectIdentifier Store, IProperty Tenant)> entities)
    {
        Entities = entities;
        Tables = [.. entities.Select(e => new TenantTable(e.Store.Name, e.Tenant.GetColumnName(e.Store)!, e.Store.Schema ?? "public"))];
    }

    public IReadOnlyList<(IEntityType Entity, StoreObjectIdentifier Store, IProperty Tenant)> Entities { get; }

    public IReadOnlyList<TenantTable> Tables { get; }

    // TenancyOptionsExtension is PgTenancy's own options extension: "internal" only in EF Core's sense.
#pragma warning disable EF1001
    public static TenancyOptions TenancyOf(DbContext context) =>
        context.GetService<IDbContextOptions>().FindExtension<TenancyOptionsExtension>()?.Options
        ?? throw new ArgumentException(
            $"{context.GetType().Name} does not use PgTenancy: its statements are not bound to a tenant. Add .UseTenancy() after UseNpgsql(…) in the options the factory uses.");
#pragma warning restore EF1001

    public static EntityTables Of(DbContext context)
    {
        var entities = new List<(IEntityType, StoreObjectIdentifier, IProperty)>();
        foreach (var entity in context.Model.GetEntityTypes().Where(e => e.BaseType is null && !e.IsOwned()))
        {
            if (entity.FindAnnotation(TenancyAnnotationNames.TenantProperty)?.Value is not string tenantProperty || entity.GetTableName() is not { } table)
            {
                continue;
            }

            var store = StoreObjectIdentifier.Table(table, entity.GetSchema());
            entities.Add((entity, store, entity.FindProperty(tenantProperty)!));
        }

        if (entities.Count == 0)
        {
            throw new ArgumentException(
                $"The model of {context.GetType().Name} has no tenant-scoped entity. Mark them with modelBuilder.Entity<T>().IsTenantScoped(e => e.TenantId).");
        }

        return new EntityTables(entities);
    }
}
