using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy.EntityFrameworkCore.Diagnostics;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

// In EF Core's namespace, beside the DbContext it extends.
namespace Microsoft.EntityFrameworkCore;

/// <summary>Audited cross-tenant access, for background jobs and admin screens.</summary>
public static class CrossTenantDbContextExtensions
{
    /// <summary>
    /// Creates a new context like <paramref name="context"/> that connects through the bypass data source configured
    /// with <c>UseTenancy(o => o.AllowBypass(…))</c>, binds no tenant and sees every tenant's rows. Each use is logged
    /// (a warning with the reason, category <c>PgTenancy.EntityFrameworkCore</c>) and tagged on the current
    /// <see cref="System.Diagnostics.Activity"/> (<c>pgtenancy.bypass</c>, <c>pgtenancy.bypass.reason</c>). Dispose it
    /// when the cross-tenant work is done.
    /// </summary>
    /// <param name="context">A tenant-bound context whose options say how to bypass.</param>
    /// <param name="reason">Why cross-tenant access is needed (required; it goes to the log).</param>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">No bypass data source is configured, or the context type cannot be created from options.</exception>
    public static TContext CreateCrossTenantContext<TContext>(this TContext context, string reason)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ArgumentException("Cross-tenant access needs a reason: it is logged with each use, e.g. \"nightly invoice run\".", nameof(reason));
        }

        var options = context.GetService<IDbContextOptions>();
        var tenancy = options.FindExtension<TenancyOptionsExtension>()
            ?? throw new InvalidOperationException($"{typeof(TContext).Name} is not configured with UseTenancy(), so it has no cross-tenant access to open.");
        var bypass = tenancy.BypassDataSource
            ?? throw new InvalidOperationException(
                $"Cross-tenant access is not configured for {typeof(TContext).Name}: add UseTenancy(o => o.AllowBypass(bypassDataSource)) with a data source whose role has BYPASSRLS (not the application role).");

        var builder = new DbContextOptionsBuilder<TContext>();
        foreach (var extension in options.Extensions)
        {
            ((IDbContextOptionsBuilderInfrastructure)builder).AddOrUpdateExtension(extension);
        }

        builder.UseNpgsql(bypass);
        // Without the tenant query filter: a cross-tenant context is meant to see every tenant.
        ((IDbContextOptionsBuilderInfrastructure)builder).AddOrUpdateExtension(tenancy.WithBypassReason(reason).WithQueryFilter(false));
        var crossTenant = Activator.CreateInstance(typeof(TContext), builder.Options) as TContext
            ?? throw new InvalidOperationException($"{typeof(TContext).Name} needs a public constructor taking DbContextOptions<{typeof(TContext).Name}> for cross-tenant contexts.");

        TenancyActivity.TagBypass(reason);
        TenancyLog.BypassOpened(TenancyContext.Logger(context), typeof(TContext).Name, reason);
        return crossTenant;
    }
}
