using System.Globalization;
using PgTenancy.Binding;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// The current tenant for the query filter in Citus mode, read on the client at each execution: EF Core evaluates the
/// call when it runs a query and sends the result as a parameter, so Citus sees <c>tenant column = $n</c> and routes the
/// query to the tenant's shard (a server-side <c>current_setting</c> does not route). Never frozen into a compiled query:
/// EF Core treats a call like this one as a parameter, evaluated per execution. Row-level security stays the
/// enforcement; without a tenant (when the options allow that) the value is one no tenant has, and the policies match no row anyway.
/// </summary>
internal sealed class CitusTenantParameter(TenancyOptions options)
{
    private readonly TenantBinding _binding = new(options);

    public Guid Uuid() => Tenant() is { Length: > 0 } tenant ? Guid.Parse(tenant, CultureInfo.InvariantCulture) : Guid.Empty;

    public long BigInt() => Tenant() is { Length: > 0 } tenant ? long.Parse(tenant, CultureInfo.InvariantCulture) : long.MinValue;

    public int Int32() => checked((int)BigInt());

    public short Int16() => checked((short)BigInt());

    public string Text() => Tenant();

    // Throws without a tenant (the default), before anything is sent, as the binding itself does.
    private string Tenant() => _binding.CurrentTenant();
}
