using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using PgTenancy.EntityFrameworkCore.Diagnostics;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using PgTenancy.Binding;

namespace PgTenancy.EntityFrameworkCore.Binding;

/// <summary>
/// Binds the current tenant to every command EF Core sends for queries and raw SQL (LINQ, <c>Find</c>, <c>FromSql</c>,
/// <c>SqlQuery</c>, <c>ExecuteSql</c>, <c>ExecuteUpdate</c>/<c>ExecuteDelete</c>…), in the same round trip, with the
/// mechanism of <see cref="TenantDataSource"/>. SaveChanges is bound by its batches instead
/// (<see cref="Update.TenantModificationCommandBatch"/>), and migrations are never bound: they run as the owner.
/// </summary>
internal sealed class TenantCommandInterceptor(IDbContextOptions options, ILoggerFactory loggers) : DbCommandInterceptor
{
    // Resolved per context (this interceptor is a scoped service), from that context's own UseTenancy() options.
    private readonly TenancyOptionsExtension _tenancy = options.FindExtension<TenancyOptionsExtension>() ?? new TenancyOptionsExtension();
    private readonly ILogger _logger = loggers.CreateLogger(TenancyLog.Category);

    private TenantBinding Binding => _tenancy.Binding;

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Guard(command, eventData, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return Bind(command, eventData) is { } bound
            ? InterceptionResult<DbDataReader>.SuppressWithResult(bound.ExecuteReaderAsync(System.Data.CommandBehavior.Default, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult())
            : result;
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        await Guard(command, eventData, async: true, cancellationToken).ConfigureAwait(false);
        return Bind(command, eventData) is { } bound
            ? InterceptionResult<DbDataReader>.SuppressWithResult(await bound.ExecuteReaderAsync(System.Data.CommandBehavior.Default, async: true, cancellationToken).ConfigureAwait(false))
            : result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        Guard(command, eventData, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        using (bound)
        {
            return InterceptionResult<int>.SuppressWithResult(bound.ExecuteNonQueryAsync(async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult());
        }
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        await Guard(command, eventData, async: true, cancellationToken).ConfigureAwait(false);
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        await using (bound.ConfigureAwait(false))
        {
            return InterceptionResult<int>.SuppressWithResult(await bound.ExecuteNonQueryAsync(async: true, cancellationToken).ConfigureAwait(false));
        }
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        Guard(command, eventData, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        using (bound)
        {
            return InterceptionResult<object>.SuppressWithResult(bound.ExecuteScalarAsync(async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult()!);
        }
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        await Guard(command, eventData, async: true, cancellationToken).ConfigureAwait(false);
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        await using (bound.ConfigureAwait(false))
        {
            return InterceptionResult<object>.SuppressWithResult((await bound.ExecuteScalarAsync(async: true, cancellationToken).ConfigureAwait(false))!);
        }
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData)
    {
        if (eventData.Exception is PostgresException postgres && Binding.Explain(postgres) is { } explained)
        {
            throw explained;
        }
    }

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        CommandFailed(command, eventData);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Refuses a superuser or BYPASSRLS role the first time each physical connection runs a tenant-bound command
    /// (including SaveChanges), once, then cached. Migrations and cross-tenant contexts are not checked: they may
    /// rightly run as the owner, a superuser or a bypass role.
    /// </summary>
    private ValueTask Guard(DbCommand command, CommandEventData eventData, bool async, CancellationToken cancellationToken) =>
        eventData.CommandSource == CommandSource.Migrations || _tenancy.BypassReason is not null
            ? ValueTask.CompletedTask
            : Binding.RoleGuard.EnsureAsync(
                command.Connection as NpgsqlConnection ?? throw new InvalidOperationException($"PgTenancy needs an NpgsqlConnection, but EF Core uses a {command.Connection?.GetType().Name}."),
                async,
                cancellationToken);

    /// <summary>
    /// Binds the command in place when its SQL can carry the bind (named parameters, as EF writes them); otherwise
    /// returns the bound batch to execute instead of the command (positional parameters from raw SQL, procedures).
    /// Throws before anything is sent when no tenant is current.
    /// </summary>
    private BoundExecution? Bind(DbCommand command, CommandEventData eventData)
    {
        if (eventData.CommandSource is CommandSource.SaveChanges or CommandSource.Migrations)
        {
            return null;
        }

        if (_tenancy.BypassReason is { } reason)
        {
            TenancyActivity.TagBypass(reason);
            return null;
        }

        var npgsqlCommand = command as NpgsqlCommand
            ?? throw new InvalidOperationException($"PgTenancy binds Npgsql commands only, but EF Core is executing a {command.GetType().Name}.");
        var tenant = Binding.CurrentTenant();
        TenancyActivity.TagTenant(tenant);
        TenancyLog.CommandBound(_logger, tenant, eventData.CommandSource, eventData.Context?.GetType());
        return Binding.BindInPlace(npgsqlCommand, tenant);
    }
}
