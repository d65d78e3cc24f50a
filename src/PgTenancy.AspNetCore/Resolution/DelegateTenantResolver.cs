using Microsoft.AspNetCore.Http;

namespace PgTenancy.AspNetCore.Resolution;

/// <summary>A resolver given as a function.</summary>
internal sealed class DelegateTenantResolver(string source, Func<HttpContext, ValueTask<string?>> resolve) : ITenantResolver
{
    public string Source => source;

    public ValueTask<string?> ResolveAsync(HttpContext context) => resolve(context);
}
