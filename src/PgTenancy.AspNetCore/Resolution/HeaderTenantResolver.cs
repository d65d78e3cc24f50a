using Microsoft.AspNetCore.Http;

namespace PgTenancy.AspNetCore.Resolution;

/// <summary>Reads the tenant from a request header (one value; several values are refused as ambiguous).</summary>
internal sealed class HeaderTenantResolver(string header) : ITenantResolver
{
    public string Source => $"header {header}";

    public ValueTask<string?> ResolveAsync(HttpContext context) =>
        ValueTask.FromResult(context.Request.Headers.TryGetValue(header, out var values) ? (values.Count == 1 ? values[0] : "") : null);
}
