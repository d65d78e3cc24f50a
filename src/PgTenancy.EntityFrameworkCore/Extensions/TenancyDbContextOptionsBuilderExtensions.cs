using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy.EntityFrameworkCore.Infrastructure;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

// In EF Core's namespace, as efcore.pg does for UseNpgsql().
namespace Microsoft.EntityFrameworkCore;

/// <summary>Turns PgTenancy on for a <c>DbContext</c>.</summary>
public static class TenancyDbContextOptionsBuilderExtensions
{
    /// <summary>
    /// Binds the current tenant to every command the context sends (queries, raw SQL, bulk updates and SaveChanges),
    /// transaction-locally and in the same round trip, and checks tenant-scoped entities before they are saved.
    /// Call it after <c>UseNpgsql(…)</c>; connect as the application role, not the tables' owner.
    /// </summary>
    /// <example>
    /// <code>
    /// services.AddDbContextPool&lt;ShopContext&gt;(o => o.UseNpgsql(appConnectionString).UseTenancy());
    /// </code>
    /// </example>
    public static DbContextOptionsBuilder UseTenancy(this DbContextOptionsBuilder optionsBuilder, Action<TenancyDbContextOptionsBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);
        var builder = new TenancyDbContextOptionsBuilder(optionsBuilder.Options.FindExtension<TenancyOptionsExtension>() ?? new TenancyOptionsExtension());
        configure?.Invoke(builder);
        ((IDbContextOptionsBuilderInfrastructure)optionsBuilder).AddOrUpdateExtension(builder.Extension);
        return optionsBuilder;
    }

    /// <inheritdoc cref="UseTenancy(DbContextOptionsBuilder, Action{TenancyDbContextOptionsBuilder}?)"/>
    public static DbContextOptionsBuilder<TContext> UseTenancy<TContext>(
        this DbContextOptionsBuilder<TContext> optionsBuilder, Action<TenancyDbContextOptionsBuilder>? configure = null)
        where TContext : DbContext =>
        (DbContextOptionsBuilder<TContext>)UseTenancy((DbContextOptionsBuilder)optionsBuilder, configure);
}
