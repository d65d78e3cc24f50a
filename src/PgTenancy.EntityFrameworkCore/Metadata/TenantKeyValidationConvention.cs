using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;
using Microsoft.EntityFrameworkCore.Metadata.Conventions.Infrastructure;
using Microsoft.Extensions.Logging;
using PgTenancy.EntityFrameworkCore.Diagnostics;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// Reports unique indexes, alternate keys and foreign keys of tenant-scoped entities that leave out the tenant
/// column. Uniqueness and foreign-key checks bypass row-level security: a unique violation tells one tenant that
/// another has a value, and a foreign key without the tenant column can point at another tenant's row. The fix is a
/// composite key that starts with the tenant column. Reported as a warning, or as an error with
/// <c>UseTenancy(o => o.TenantKeyValidation(TenantKeyValidation.Error))</c>.
/// </summary>
internal sealed class TenantKeyValidationConvention(TenantKeyValidation mode, ILogger logger) : IModelFinalizedConvention
{
    public IModel ProcessModelFinalized(IModel model)
    {
        var problems = new List<string>();
        foreach (var entityType in model.GetEntityTypes())
        {
            if (entityType.FindTenantProperty() is not { } tenant)
            {
                continue;
            }

            foreach (var index in entityType.GetDeclaredIndexes().Where(i => i.IsUnique && !i.Properties.Contains(tenant)))
            {
                problems.Add($"unique index {Describe(index.Properties)} on '{entityType.DisplayName()}' leaves out {tenant.Name}: make it HasIndex(e => new {{ e.{tenant.Name}, … }}).IsUnique()");
            }

            foreach (var key in entityType.GetDeclaredKeys().Where(k => !k.IsPrimaryKey() && !k.Properties.Contains(tenant)))
            {
                problems.Add($"alternate key {Describe(key.Properties)} on '{entityType.DisplayName()}' leaves out {tenant.Name}: include it in the key");
            }

            foreach (var foreignKey in entityType.GetDeclaredForeignKeys().Where(fk => fk.PrincipalEntityType.FindTenantProperty() is not null && !fk.Properties.Contains(tenant)))
            {
                problems.Add($"foreign key {Describe(foreignKey.Properties)} from '{entityType.DisplayName()}' to '{foreignKey.PrincipalEntityType.DisplayName()}' leaves out {tenant.Name}: reference a key that includes it (HasPrincipalKey(p => new {{ p.{tenant.Name}, … }}))");
            }
        }

        if (problems.Count > 0)
        {
            if (mode == TenantKeyValidation.Error)
            {
                throw new InvalidOperationException(
                    "Tenant-scoped entities have keys that leak across tenants (uniqueness and foreign-key checks bypass row-level security):\n- "
                    + string.Join("\n- ", problems));
            }

            foreach (var problem in problems)
            {
                TenancyLog.LeakyKey(logger, problem);
            }
        }

        return model;
    }

    private static string Describe(IEnumerable<IReadOnlyProperty> properties) => "(" + string.Join(", ", properties.Select(p => p.Name)) + ")";
}
