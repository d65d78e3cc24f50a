using System.Data;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgTenancy.Binding;
using PgTenancy.EntityFrameworkCore.Diagnostics;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;

namespace PgTenancy.EntityFrameworkCore.Binding;

/// <summary>
/// Binds the current tenant to every command EF Core sends for queries and raw SQL (LINQ, <c>Find</c>, <c>FromSql</c>,
/// <c>SqlQuery</c>, <c>ExecuteSql</c>, <c>ExecuteUpdate</c>/<c>ExecuteDelete</c>…), in the same round trip, with the
/// mechanism of <see cref="TenantDataSource"/>. SaveChanges is bound by its batches instead
/// (<see cref="Update.TenantModificationCommandBatch"/>), and migrations are never bound: they run as the owner.
/// </summary>
/// <remarks>
/// It runs after the application's own interceptors (<see cref="TenancyInterceptors"/>): they see EF Core's SQL, and
/// whatever command they leave — its SQL replaced, or wrapped by a profiler — is the one that gets bound. When one of
/// them has already supplied a result, nothing is executed, so nothing is bound.
/// </remarks>
internal sealed class TenantCommandInterceptor(IDbContextOptions options, ILoggerFactory loggers) : DbCommandInterceptor, ITenancyInterceptor
{
    // Resolved per context (this interceptor is a scoped service), from that context's own UseTenancy() options.
    private readonly TenancyOptionsExtension _tenancy = options.FindExtension<TenancyOptionsExtension>() ?? new TenancyOptionsExtension();
    private readonly ILogger _logger = loggers.CreateLogger(TenancyLog.Category);

    // A reader keeps the batch that produced it until EF Core disposes the reader; then the batch is disposed and its
    // output parameters copied back. Keyed by EF Core's command, weakly, so an abandoned reader leaks nothing.
    private readonly ConditionalWeakTable<DbCommand, BoundExecution> _openReaders = [];

    private TenantBinding Binding => _tenancy.Binding;

    public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        if (result.HasResult)
        {
            return result;
        }

        Guard(command, eventData, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        var reader = bound.RunAsync(b => b.ExecuteReaderAsync(CommandBehavior.Default, async: false, CancellationToken.None), prepare: false, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _openReaders.AddOrUpdate(command, bound);
        return InterceptionResult<DbDataReader>.SuppressWithResult(reader);
    }

    public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (result.HasResult)
        {
            return result;
        }

        await Guard(command, eventData, async: true, cancellationToken).ConfigureAwait(false);
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        var reader = await bound.RunAsync(b => b.ExecuteReaderAsync(CommandBehavior.Default, async: true, cancellationToken), prepare: false, async: true, cancellationToken).ConfigureAwait(false);
        _openReaders.AddOrUpdate(command, bound);
        return InterceptionResult<DbDataReader>.SuppressWithResult(reader);
    }

    public override InterceptionResult DataReaderDisposing(DbCommand command, DataReaderDisposingEventData eventData, InterceptionResult result)
    {
        if (_openReaders.TryGetValue(command, out var bound))
        {
            _openReaders.Remove(command);
            eventData.DataReader.Dispose();
            bound.CopyOutputValuesTo(command.Parameters);
            bound.Dispose();
        }

        return result;
    }

    public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        if (result.HasResult)
        {
            return result;
        }

        Guard(command, eventData, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        using (bound)
        {
            var rows = bound.RunAsync(b => b.ExecuteNonQueryAsync(async: false, CancellationToken.None), prepare: false, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            bound.CopyOutputValuesTo(command.Parameters);
            return InterceptionResult<int>.SuppressWithResult(rows);
        }
    }

    public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (result.HasResult)
        {
            return result;
        }

        await Guard(command, eventData, async: true, cancellationToken).ConfigureAwait(false);
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        await using (bound.ConfigureAwait(false))
        {
            var rows = await bound.RunAsync(b => b.ExecuteNonQueryAsync(async: true, cancellationToken), prepare: false, async: true, cancellationToken).ConfigureAwait(false);
            bound.CopyOutputValuesTo(command.Parameters);
            return InterceptionResult<int>.SuppressWithResult(rows);
        }
    }

    public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
    {
        if (result.HasResult)
        {
            return result;
        }

        Guard(command, eventData, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        using (bound)
        {
            var value = bound.RunAsync(b => b.ExecuteScalarAsync(async: false, CancellationToken.None), prepare: false, async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            bound.CopyOutputValuesTo(command.Parameters);
            return InterceptionResult<object>.SuppressWithResult(value!);
        }
    }

    public override async ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        if (result.HasResult)
        {
            return result;
        }

        await Guard(command, eventData, async: true, cancellationToken).ConfigureAwait(false);
        if (Bind(command, eventData) is not { } bound)
        {
            return result;
        }

        await using (bound.ConfigureAwait(false))
        {
            var value = await bound.RunAsync(b => b.ExecuteScalarAsync(async: true, cancellationToken), prepare: false, async: true, cancellationToken).ConfigureAwait(false);
            bound.CopyOutputValuesTo(command.Parameters);
            return InterceptionResult<object>.SuppressWithResult(value!);
        }
    }

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData)
    {
        if (TenantBinding.Explain(eventData.Exception) is { } explained)
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
                // EF Core's connection: a command wrapped by an interceptor may report a wrapping connection.
                eventData.Connection as NpgsqlConnection ?? command.Connection as NpgsqlConnection
                    ?? throw new InvalidOperationException($"PgTenancy needs an NpgsqlConnection, but EF Core uses a {eventData.Connection?.GetType().Name}."),
                async,
                cancellationToken);

    /// <summary>
    /// What to execute instead of EF Core executing the command: the command itself, bound in place, when its SQL can
    /// carry the bind (named parameters, as EF writes them), or a bound batch (positional parameters from raw SQL,
    /// procedures); either way the bind's one-row result is skipped before EF reads. <see langword="null"/> for what is
    /// not bound (SaveChanges binds its own batches; migrations, cross-tenant contexts, statements that cannot run in a
    /// transaction). Throws before anything is sent when no tenant is current.
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

        // Fail closed first: without a tenant nothing is sent, whatever the statement.
        var tenant = Binding.CurrentTenant();
        if (TenantBinding.CannotRunInTransaction(command.CommandText, out var statement))
        {
            TenancyLog.RanUnbound(_logger, statement, eventData.Context?.GetType());
            return null;
        }

        TenancyActivity.TagTenant(tenant);
        TenancyLog.CommandBound(_logger, tenant, eventData.CommandSource, eventData.Context?.GetType());
        // Raw SQL is written by the application (and maybe concatenated): it goes where stacked statements are refused.
        var writtenByCaller = eventData.CommandSource is CommandSource.FromSqlQuery or CommandSource.ExecuteSqlRaw or CommandSource.Unknown;
        return Binding.BindInPlace(command, tenant, writtenByCaller);
    }
}
