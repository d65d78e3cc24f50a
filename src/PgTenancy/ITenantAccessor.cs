namespace PgTenancy;

/// <summary>
/// Tells the binding which tenant is current when a statement executes. The default, <see cref="AmbientTenantAccessor"/>,
/// reads <see cref="TenantScope.Current"/> (which ASP.NET Core's tenant resolution sets for each request). Give your own in
/// <see cref="TenancyOptions.TenantAccessor"/> or <c>UseTenancy(o => o.TenantAccessor(…))</c>; the binding reads the
/// options, not the DI container.
/// </summary>
public interface ITenantAccessor
{
    /// <summary>The current tenant, or <see langword="null"/> when there is none. Read at every execution, never cached.</summary>
    TenantId? CurrentTenant { get; }
}

/// <summary>Reads the ambient <see cref="TenantScope.Current"/>.</summary>
public sealed class AmbientTenantAccessor : ITenantAccessor
{
    /// <summary>The one instance; it holds no state.</summary>
    public static AmbientTenantAccessor Instance { get; } = new();

    private AmbientTenantAccessor()
    {
    }

    /// <inheritdoc/>
    public TenantId? CurrentTenant => TenantScope.Current;
}
