using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using PgTenancy.EntityFrameworkCore.Metadata;

// In EF Core's namespace, as efcore.pg does for its model-building extensions.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Marks entities as tenant-scoped.</summary>
public static class TenantScopedEntityTypeBuilderExtensions
{
    /// <summary>
    /// Marks the entity as tenant-scoped, with <paramref name="tenantProperty"/> as its tenant column: PgTenancy fills
    /// it on insert, refuses rows of another tenant, and the migrations put the table under row-level security. The
    /// property is made required (the tenant column is NOT NULL).
    /// </summary>
    /// <exception cref="ArgumentException">The expression is not a simple property access.</exception>
    public static EntityTypeBuilder<TEntity> IsTenantScoped<TEntity, TTenant>(
        this EntityTypeBuilder<TEntity> builder, Expression<Func<TEntity, TTenant>> tenantProperty)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(tenantProperty);
        if (tenantProperty.Body is not MemberExpression { Member: var member } || member.DeclaringType?.IsAssignableFrom(typeof(TEntity)) != true)
        {
            throw new ArgumentException(
                $"IsTenantScoped needs a property of {typeof(TEntity).Name}, like e => e.TenantId; got '{tenantProperty}'.", nameof(tenantProperty));
        }

        builder.Property(tenantProperty).IsRequired();
        builder.HasAnnotation(TenancyAnnotationNames.TenantProperty, member.Name);
        return builder;
    }

    /// <summary>
    /// Marks the entity's table as shared lookup data that Citus copies to every node (a reference table), so that tenant
    /// tables can join it and refer to it on any shard. In Citus mode (<c>UseTenancy(o => o.Citus())</c>) the migrations
    /// make it one (<c>create_reference_table</c>) before they distribute the tenant tables; elsewhere it changes nothing.
    /// </summary>
    public static EntityTypeBuilder<TEntity> IsCitusReferenceTable<TEntity>(this EntityTypeBuilder<TEntity> builder)
        where TEntity : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.HasAnnotation(TenancyAnnotationNames.CitusReferenceTable, true);
        return builder;
    }

    /// <summary>The tenant property of a tenant-scoped entity type, or <see langword="null"/> when it is not tenant-scoped.</summary>
    public static IReadOnlyProperty? FindTenantProperty(this IReadOnlyEntityType entityType)
    {
        ArgumentNullException.ThrowIfNull(entityType);
        return entityType.FindAnnotation(TenancyAnnotationNames.TenantProperty)?.Value is string name ? entityType.FindProperty(name) : null;
    }
}
