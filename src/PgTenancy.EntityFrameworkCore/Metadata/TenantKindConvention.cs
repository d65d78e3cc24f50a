using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// Refuses, when the model is built, a tenant property whose CLR type does not hold tenants of the configured kind
/// (<c>UseTenancy(o => o.TenantKind(…))</c>): otherwise the migration's policy, the binding and SaveChanges would each
/// find out at run time, with errors far from the cause.
/// </summary>
internal sealed class TenantKindConvention(TenantIdKind kind) : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        foreach (var entityType in modelBuilder.Metadata.GetEntityTypes())
        {
            if (entityType.FindTenantProperty() is not { } property)
            {
                continue;
            }

            var propertyKind = TenantKinds.ForClrType(property.ClrType);
            if (propertyKind == kind)
            {
                continue;
            }

            var type = (Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType).Name;
            throw new InvalidOperationException(propertyKind is { } other
                ? $"The tenant property {entityType.DisplayName()}.{property.Name} is a {type}, which holds {other} tenants, but UseTenancy() binds {kind} tenants. "
                    + $"Call UseTenancy(o => o.TenantKind(TenantIdKind.{other})), or change the property to a type of the {kind} kind."
                : $"The tenant property {entityType.DisplayName()}.{property.Name} is a {type}, which cannot hold a tenant. "
                    + $"Make it {TenantKinds.SupportedClrTypes}, matching UseTenancy(o => o.TenantKind(…)).");
        }
    }
}
