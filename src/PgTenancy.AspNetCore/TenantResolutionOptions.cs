using Microsoft.AspNetCore.Http;
using PgTenancy.AspNetCore.Resolution;

namespace PgTenancy.AspNetCore;

/// <summary>
/// How <c>UseTenantResolution()</c> finds each request's tenant. Resolvers are tried in the order they were added;
/// the first that finds a value decides. A request with no tenant, or a malformed one, is answered with a
/// ProblemDetails response and never reaches the endpoint (so no database call is made).
/// </summary>
public sealed class TenantResolutionOptions
{
    private readonly List<ITenantResolver> _resolvers = [];
    private readonly List<PathString> _excludedPaths = [];

    /// <summary>
    /// The kind of tenant ids; a value of another form is malformed. Leave it unset (the default) to take the kind of the
    /// <see cref="TenancyOptions"/> registered in DI (by <c>AddTenantDataSource</c>, or <c>services.AddSingleton(tenancyOptions)</c>),
    /// so that the kind is configured in one place; <see cref="TenantIdKind.Uuid"/> when none is registered.
    /// </summary>
    public TenantIdKind? TenantKind { get; set; }

    /// <summary>The status code for a request with no tenant (default 400; 401 or 403 suit claim-based tenants).</summary>
    public int MissingTenantStatusCode { get; set; } = StatusCodes.Status400BadRequest;

    /// <summary>The status code for a request whose tenant is malformed (default 400).</summary>
    public int InvalidTenantStatusCode { get; set; } = StatusCodes.Status400BadRequest;

    /// <summary>The resolvers, in the order they are tried.</summary>
    public IReadOnlyList<ITenantResolver> Resolvers => _resolvers;

    /// <summary>Paths (and everything under them) served without a tenant, such as health checks.</summary>
    public IReadOnlyList<PathString> ExcludedPaths => _excludedPaths;

    /// <summary>Reads the tenant from a request header (default <c>X-Tenant-Id</c>).</summary>
    public TenantResolutionOptions FromHeader(string header = "X-Tenant-Id")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(header);
        _resolvers.Add(new HeaderTenantResolver(header));
        return this;
    }

    /// <summary>Reads the tenant from a claim of the authenticated user (default <c>tenant_id</c>).</summary>
    public TenantResolutionOptions FromClaim(string claimType = "tenant_id")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(claimType);
        _resolvers.Add(new ClaimTenantResolver(claimType));
        return this;
    }

    /// <summary>Reads the tenant from the first label of the host name under <paramref name="baseDomain"/>.</summary>
    public TenantResolutionOptions FromHost(string baseDomain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseDomain);
        _resolvers.Add(new HostTenantResolver(baseDomain));
        return this;
    }

    /// <summary>Adds a resolver of your own.</summary>
    public TenantResolutionOptions From(ITenantResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolvers.Add(resolver);
        return this;
    }

    /// <summary>Adds a resolver given as a function; <paramref name="source"/> names it in error messages.</summary>
    public TenantResolutionOptions From(string source, Func<HttpContext, ValueTask<string?>> resolve)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentNullException.ThrowIfNull(resolve);
        _resolvers.Add(new DelegateTenantResolver(source, resolve));
        return this;
    }

    /// <summary>Serves <paramref name="path"/> and everything under it without a tenant.</summary>
    public TenantResolutionOptions Exclude(PathString path)
    {
        _excludedPaths.Add(path);
        return this;
    }
}
