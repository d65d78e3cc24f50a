using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using PgTenancy.AspNetCore.Resolution;
using Microsoft.Extensions.Options;

namespace PgTenancy.AspNetCore;

/// <summary>
/// Resolves the request's tenant and runs the rest of the pipeline inside a <see cref="TenantScope"/> for it, so
/// that every statement of the request is bound to it. The scope ends with the request.
/// </summary>
internal sealed class TenantResolutionMiddleware(RequestDelegate next, IOptions<TenantResolutionOptions> options, IServiceProvider services)
{
    private readonly TenantResolutionOptions _options = options.Value;

    // One place configures the kind: the resolution's own setting if given, else the binding's (TenancyOptions in DI).
    private readonly TenantIdKind _kind = options.Value.TenantKind
        ?? (services.GetService(typeof(TenancyOptions)) as TenancyOptions)?.TenantKind
        ?? TenancyOptions.Default.TenantKind;

    public async Task InvokeAsync(HttpContext context)
    {
        if (_options.ExcludedPaths.Any(path => context.Request.Path.StartsWithSegments(path)))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (_options.Resolvers.Count == 0)
        {
            throw new InvalidOperationException(
                "UseTenantResolution() has no resolver: configure one in AddPgTenancy(o => o.FromHeader() / FromClaim() / FromHost(…) / From(…)).");
        }

        foreach (var resolver in _options.Resolvers)
        {
            if (await resolver.ResolveAsync(context).ConfigureAwait(false) is not { } raw)
            {
                continue;
            }

            if (!TenantId.TryParse(raw, _kind, out var tenant))
            {
                await ProblemAsync(context, _options.InvalidTenantStatusCode, "Malformed tenant",
                    $"The tenant in the {resolver.Source} is not a valid {_kind} tenant id.").ConfigureAwait(false);
                return;
            }

            using (TenantScope.Begin(tenant))
            {
                await next(context).ConfigureAwait(false);
            }

            return;
        }

        if (_options.Resolvers.Any(r => r is ClaimTenantResolver) && context.User.Identity?.IsAuthenticated != true)
        {
            // No valid credentials (none, expired, forged): the tenant claim could not be read because authentication
            // failed, which is a 401 with the scheme's challenge, not a request that forgot its tenant.
            await ChallengeAsync(context).ConfigureAwait(false);
            return;
        }

        await ProblemAsync(context, _options.MissingTenantStatusCode, "Tenant required",
            $"The request names no tenant; looked in: {string.Join(", ", _options.Resolvers.Select(r => r.Source))}.").ConfigureAwait(false);
    }

    private static async Task ChallengeAsync(HttpContext context)
    {
        var schemes = context.RequestServices.GetService(typeof(IAuthenticationSchemeProvider)) as IAuthenticationSchemeProvider;
        if (schemes is not null && await schemes.GetDefaultChallengeSchemeAsync().ConfigureAwait(false) is not null)
        {
            await context.ChallengeAsync().ConfigureAwait(false);
            return;
        }

        await ProblemAsync(context, StatusCodes.Status401Unauthorized, "Authentication required",
            "The tenant comes from a claim of the authenticated user, and the request is not authenticated.").ConfigureAwait(false);
    }

    // The rejected value is not echoed back: it may be attacker-controlled.
    private static Task ProblemAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(context);
}
