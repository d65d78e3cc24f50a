using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using PgTenancy.EntityFrameworkCore.Diagnostics;

namespace PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>What the singleton interceptors need to know about the context a command or save belongs to.</summary>
internal static class TenancyContext
{
    /// <summary>The PgTenancy options extension of <paramref name="context"/>, if any.</summary>
    public static TenancyOptionsExtension? Extension(DbContext? context) =>
        context?.GetService<IDbContextOptions>().FindExtension<TenancyOptionsExtension>();

    /// <summary>Why <paramref name="context"/> is a cross-tenant context, or <see langword="null"/> for a tenant-bound one.</summary>
    public static string? BypassReason(DbContext? context) => Extension(context)?.BypassReason;

    public static ILogger Logger(DbContext? context) =>
        context?.GetService<ILoggerFactory>().CreateLogger(TenancyLog.Category) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public static string Name(DbContext? context) => context?.GetType().Name ?? "(no context)";
}
