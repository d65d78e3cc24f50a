using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// The current tenant for the query filter in Citus mode, read on the client at each execution and sent as a parameter,
/// so that Citus sees <c>tenant column = $n</c> and routes the query to the tenant's shard (a server-side
/// <c>current_setting</c> does not route). The filter calls these with the DbContext: EF Core turns an expression that
/// uses the context into a parameter it evaluates on every execution, against the context that runs the query — never a
/// value frozen into a compiled query (any other client-side expression in a query filter is inlined as a constant
/// once). The tenant is read through that context's own options (its accessor), and throws without one, as the binding
/// does. Row-level security stays the enforcement; without a tenant (when the options allow that) the value is one no
/// tenant has, and the policies match no row anyway.
/// </summary>
internal static class CitusTenantParameter
{
    public static Guid Uuid(DbContext context) => Tenant(context) is { Length: > 0 } tenant ? Guid.Parse(tenant, CultureInfo.InvariantCulture) : Guid.Empty;

    public static long BigInt(DbContext context) => Tenant(context) is { Length: > 0 } tenant ? long.Parse(tenant, CultureInfo.InvariantCulture) : long.MinValue;

    public static int Int32(DbContext context) => checked((int)BigInt(context));

    public static short Int16(DbContext context) => checked((short)BigInt(context));

    public static string Text(DbContext context) => Tenant(context);

    private static string Tenant(DbContext context) =>
        (context.GetService<IDbContextOptions>().FindExtension<TenancyOptionsExtension>()
            ?? throw new InvalidOperationException($"{context.GetType().Name} has no UseTenancy() options, but its model has PgTenancy's Citus query filter."))
        .Binding.CurrentTenant();
}
