using PgTenancy.AspNetCore;

// In ASP.NET Core's namespace, where the other Use… methods are.
namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds PgTenancy's tenant resolution to the request pipeline.</summary>
public static class TenantResolutionApplicationBuilderExtensions
{
    /// <summary>
    /// Resolves each request's tenant as configured in <c>AddPgTenancy</c> and runs the rest of the pipeline in a
    /// tenant scope; a request with no or a malformed tenant gets a ProblemDetails response. Put it after
    /// <c>UseAuthentication()</c> when the tenant comes from a claim.
    /// </summary>
    public static IApplicationBuilder UseTenantResolution(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<TenantResolutionMiddleware>();
    }
}
