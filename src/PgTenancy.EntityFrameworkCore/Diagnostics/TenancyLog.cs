using Microsoft.Extensions.Logging;

namespace PgTenancy.EntityFrameworkCore.Diagnostics;

/// <summary>PgTenancy's log events. They carry tenant ids and reasons, never the tenants' data or SQL parameters.</summary>
internal static partial class TenancyLog
{
    public const string Category = "PgTenancy.EntityFrameworkCore";

    [LoggerMessage(EventId = 36001, Level = LogLevel.Debug, Message = "Bound tenant {TenantId} to a {CommandSource} command of {ContextType}.")]
    public static partial void CommandBound(ILogger logger, string tenantId, Microsoft.EntityFrameworkCore.Diagnostics.CommandSource commandSource, Type? contextType);

    [LoggerMessage(EventId = 36002, Level = LogLevel.Debug, Message = "Bound tenant {TenantId} to a SaveChanges batch of {Count} modifications of {ContextType}.")]
    public static partial void BatchBound(ILogger logger, string tenantId, int count, Type? contextType);

    [LoggerMessage(EventId = 36005, Level = LogLevel.Information, Message = "Sent {Statement} of {ContextType} without a tenant binding: PostgreSQL refuses it inside the transaction that carries the binding, and it returns no tenant's rows.")]
    public static partial void RanUnbound(ILogger logger, string statement, Type? contextType);

    [LoggerMessage(EventId = 36004, Level = LogLevel.Warning, Message = "PgTenancy: a key leaks across tenants: {Problem}.")]
    public static partial void LeakyKey(ILogger logger, string problem);

    [LoggerMessage(EventId = 36003, Level = LogLevel.Warning, Message = "Cross-tenant access opened on {ContextType} through the bypass data source. Reason: {Reason}")]
    public static partial void BypassOpened(ILogger logger, string contextType, string reason);
}
