using Microsoft.AspNetCore.Http;

namespace PgTenancy.AspNetCore.Resolution;

/// <summary>
/// Reads the tenant from a claim of the authenticated user (a JWT's claim, for example). Run authentication first
/// (<c>app.UseAuthentication()</c> before <c>app.UseTenantResolution()</c>); an anonymous request has no tenant.
/// </summary>
internal sealed class ClaimTenantResolver(string claimType) : ITenantResolver
{
    public string Source => $"claim {claimType}";

    public ValueTask<string?> ResolveAsync(HttpContext context)
    {
        var claims = context.User.Identity?.IsAuthenticated == true ? context.User.FindAll(claimType).ToList() : [];
        return ValueTask.FromResult(claims.Count switch
        {
            0 => null,
            1 => claims[0].Value,
            _ => "", // two tenant claims are ambiguous: refused as malformed
        });
    }
}
