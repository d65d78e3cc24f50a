using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using PgTenancy.EntityFrameworkCore.Diagnostics;

namespace PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

/// <summary>What code outside EF Core's scoped services needs from the context a save or a bypass belongs to.</summary>
internal static class TenancyContext
{
    public static ILogger Logger(DbContext? context) =>
        context?.GetService<ILoggerFactory>().CreateLogger(TenancyLog.Category) ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}
