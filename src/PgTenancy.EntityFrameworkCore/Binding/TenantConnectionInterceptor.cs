using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;
using PgTenancy.Internal;

namespace PgTenancy.EntityFrameworkCore.Binding;

/// <summary>
/// Refuses a connection whose role is a superuser or has BYPASSRLS, the first time each physical connection is
/// opened by EF Core (row-level security would silently not apply to it).
/// </summary>
internal sealed class TenantConnectionInterceptor(TenantBinder binder) : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (TenancyContext.BypassReason(eventData.Context) is null)
        {
            binder.EnsureRoleIsBoundAsync(AsNpgsql(connection), async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
    }

    // A cross-tenant context connects as a bypass role on purpose; only tenant-bound contexts are checked.
    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default) =>
        TenancyContext.BypassReason(eventData.Context) is null
            ? binder.EnsureRoleIsBoundAsync(AsNpgsql(connection), async: true, cancellationToken).AsTask()
            : Task.CompletedTask;

    private static NpgsqlConnection AsNpgsql(DbConnection connection) =>
        connection as NpgsqlConnection
        ?? throw new InvalidOperationException($"PgTenancy needs an NpgsqlConnection, but EF Core opened a {connection.GetType().Name}.");
}
