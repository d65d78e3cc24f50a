using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace PgTenancy.EntityFrameworkCore.ChangeTracking;

/// <summary>
/// Before SaveChanges: fills the tenant of added tenant-scoped entities from the current tenant, and refuses — naming
/// the entity and its key — an added or deleted entity of another tenant and any change of a tenant property. The
/// database would refuse them too (WITH CHECK, or 0 rows); failing here says why, before anything is sent.
/// </summary>
internal sealed class TenantEntitiesInterceptor(IDbContextOptions options) : SaveChangesInterceptor, Binding.ITenancyInterceptor
{
    // Resolved per context (this interceptor is a scoped service), from that context's own UseTenancy() options.
    private readonly TenancyOptionsExtension _tenancy = options.FindExtension<TenancyOptionsExtension>() ?? new TenancyOptionsExtension();

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Check(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Check(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Check(DbContext? context)
    {
        if (context is null || _tenancy.BypassReason is not null)
        {
            return; // a cross-tenant context writes the tenants it is told to
        }

        if (_tenancy.Options.Citus)
        {
            // Citus forwards the binding's SET LOCAL to the workers only inside a transaction block; EF Core leaves a
            // single-statement SaveChanges without one unless told otherwise.
            context.Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
        }

        string? tenant = null;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted)
                || entry.Metadata.FindTenantProperty() is not { } tenantProperty)
            {
                continue;
            }

            tenant ??= _tenancy.Binding.CurrentTenant();
            var property = entry.Property(tenantProperty.Name);
            switch (entry.State)
            {
                case EntityState.Added when IsUnset(property.CurrentValue):
                    property.CurrentValue = ToClr(tenant, tenantProperty.ClrType, entry);
                    break;
                case EntityState.Added when !Same(property.CurrentValue, tenant):
                    throw Refuse(entry, $"is added for tenant '{property.CurrentValue}' while the current tenant is '{tenant}'");
                case EntityState.Modified when property.IsModified && !Equals(property.OriginalValue, property.CurrentValue):
                    throw Refuse(entry, $"has its tenant changed from '{property.OriginalValue}' to '{property.CurrentValue}'; a row never moves between tenants");
                case EntityState.Modified or EntityState.Deleted when !Same(property.OriginalValue, tenant):
                    throw Refuse(entry, $"belongs to tenant '{property.OriginalValue}' while the current tenant is '{tenant}'");
            }
        }
    }

    private static bool IsUnset(object? value) => value is null || value is Guid { } guid && guid == Guid.Empty || value is 0L or 0 or (short)0 || value is "";

    private static bool Same(object? value, string tenant) => TenantKinds.ToText(value) == tenant;

    private static object ToClr(string tenant, Type clrType, EntityEntry entry)
    {
        if (tenant.Length == 0)
        {
            throw Refuse(entry, "has no tenant, and no tenant is current to fill in (MissingTenantBehavior.MatchNoRows)");
        }

        try
        {
            return TenantKinds.ToClr(tenant, clrType);
        }
        catch (FormatException e)
        {
            throw Refuse(entry, $"cannot take the current tenant '{tenant}': {e.Message}");
        }
    }

    private static InvalidOperationException Refuse(EntityEntry entry, string what)
    {
        var key = entry.Metadata.FindPrimaryKey() is { } primaryKey
            ? string.Join(", ", primaryKey.Properties.Select(p => $"{p.Name} = {entry.Property(p.Name).CurrentValue}"))
            : "no key";
        return new InvalidOperationException($"Entity '{entry.Metadata.DisplayName()}' ({key}) {what}. Nothing was saved.");
    }
}
