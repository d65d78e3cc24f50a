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
        ColumnChoices = Tables.Zip(entities).ToDictionary(
            t => t.First,
            t => (IReadOnlyDictionary<string, IReadOnlyList<string>>)t.Second.Entity.GetProperties()
                .Select(p => (Column: p.GetColumnName(t.Second.Store), Choices: EnumChoices(p)))
                .Where(c => c.Column is not null && c.Choices is not null)
                .ToDictionary(c => c.Column!, c => c.Choices!));
    }

    /// <summary>
    /// Per table and column, the values an enum property stored through a value converter (as text, typically) can be
    /// read back as: any other value of the column's type would fail the application's own reads.
    /// </summary>
    public IReadOnlyDictionary<TenantTable, IReadOnlyDictionary<string, IReadOnlyList<string>>> ColumnChoices { get; }

    private static IReadOnlyList<string>? EnumChoices(IProperty property)
    {
        var type = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
        var converter = property.GetTypeMapping().Converter;
        return type.IsEnum && converter is not null
            ? [.. Enum.GetValues(type).Cast<object>().Select(v => Convert.ToString(converter.ConvertToProvider(v), System.Globalization.CultureInfo.InvariantCulture)!)]
            : null;
    }

    public IReadOnlyList<(IEntityType Entity, StoreObjectIdentifier Store, IProperty Tenant)> Entities { get; }

    public IReadOnlyList<TenantTable> Tables { get; }

    // TenancyOptionsExtension is PgTenancy's own options extension: "internal" only in EF Core's sense (docs/ef-core.md#ef-core-and-efcorepg-internals-pgtenancy-depends-on).
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
