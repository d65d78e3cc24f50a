using Microsoft.AspNetCore.Http;

namespace PgTenancy.AspNetCore;

/// <summary>Finds the tenant of a request: in a header, a claim, the host name, or wherever a custom resolver looks.</summary>
public interface ITenantResolver
{
    /// <summary>A short description for error messages, such as <c>header X-Tenant-Id</c>.</summary>
    string Source { get; }

    /// <summary>The tenant as written in the request, or <see langword="null"/> when this resolver finds none.</summary>
    ValueTask<string?> ResolveAsync(HttpContext context);
}
