using Microsoft.AspNetCore.Http;

namespace PgTenancy.AspNetCore.Resolution;

/// <summary>
/// Reads the tenant from the first label of the host name under a base domain: <c>acme.shop.example</c> under
/// <c>shop.example</c> is tenant <c>acme</c>. Hosts outside the base domain, or the base domain itself, have none.
/// </summary>
internal sealed class HostTenantResolver(string baseDomain) : ITenantResolver
{
    private readonly string _suffix = "." + baseDomain.Trim('.').ToLowerInvariant();

    public string Source => $"host name under {_suffix[1..]}";

    public ValueTask<string?> ResolveAsync(HttpContext context)
    {
        var host = context.Request.Host.Host.ToLowerInvariant();
        if (!host.EndsWith(_suffix, StringComparison.Ordinal) || host.Length == _suffix.Length)
        {
            return ValueTask.FromResult<string?>(null);
        }

        var label = host[..^_suffix.Length];
        return ValueTask.FromResult<string?>(label.Contains('.', StringComparison.Ordinal) ? "" : label);
    }
}
