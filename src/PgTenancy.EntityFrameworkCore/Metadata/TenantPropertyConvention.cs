using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// Marks every entity type that has a property of the configured name (e.g. <c>TenantId</c>) as tenant-scoped, in the
/// EFCore.NamingConventions style: a convention added through a plugin, not glue code in <c>OnModelCreating</c>.
/// An explicit <c>IsTenantScoped</c> wins.
/// </summary>
internal sealed class TenantPropertyConvention(string propertyName) : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        foreach (var entityType in modelBuilder.Metadata.GetEntityTypes())
        {
            if (entityType.FindAnnotation(TenancyAnnotationNames.TenantProperty) is null
                && entityType.BaseType is null
                && entityType.FindProperty(propertyName) is { } property)
            {
                entityType.Builder.HasAnnotation(TenancyAnnotationNames.TenantProperty, property.Name);
                property.Builder.IsRequired(true);
            }
        }
    }
}
