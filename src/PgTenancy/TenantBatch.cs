using System.Data;
using System.Data.Common;
using Npgsql;
using PgTenancy.Binding;
using PgTenancy.Internal;

namespace PgTenancy;

/// <summary>
/// A batch on a <see cref="TenantConnection"/>. Each execution sends the bind statement as the batch's first command,
/// in the same round trip, and skips its one-row result; the caller's batch commands are the very objects executed, so their
/// <see cref="NpgsqlBatchCommand.RecordsAffected"/> and result sets are exactly what Npgsql reports without PgTenancy.
/// </summary>
public sealed class TenantBatch : DbBatch
{
    private readonly NpgsqlBatch _template = new();
    private TenantConnection? _connection;
    private TenantTransaction? _transaction;
    private bool _prepare;
    private BoundExecution? _inFlight;

    internal TenantBatch(TenantConnection connection) => _connection = connection;

    /// <summary>The batch's commands (Npgsql's own type).</summary>
    public new NpgsqlBatchCommandCollection BatchCommands => _template.BatchCommands;

    /// <inheritdoc/>
    public override int Timeout
    {
        get => _template.Timeout;
        set => _template.Timeout = value;
    }

    /// <summary>The tenant-bound connection the batch runs on.</summary>
    public new TenantConnection? Connection
    {
        get => _connection;
        set => _connection = value;
    }

    /// <summary>The transaction the batch runs in; by default the connection's open transaction.</summary>
    public new TenantTransaction? Transaction
    {
        get => _transaction;
        set => _transaction = value;
    }

    /// <inheritdoc/>
    protected override DbBatchCommandCollection DbBatchCommands => _template.BatchCommands;

    /// <inheritdoc/>
    protected override DbConnection? DbConnection
    {
        get => _connection;
        set => _connection = TenantObjects.RequireConnection(value, "TenantBatch");
    }

    /// <inheritdoc/>
    protected override DbTransaction? DbTransaction
    {
        get => _transaction;
        set => _transaction = TenantObjects.RequireTransaction(value, "TenantBatch");
    }

    /// <inheritdoc/>
    public override void Cancel() => Volatile.Read(ref _inFlight)?.Cancel();

    /// <inheritdoc/>
    public override void Prepare() => _prepare = true;

    /// <inheritdoc/>
    public override Task PrepareAsync(CancellationToken cancellationToken = default)
    {
        _prepare = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override int ExecuteNonQuery() =>
        ExecuteAsync(static (e, _, async, ct) => e.ExecuteNonQueryAsync(async, ct), async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync(static (e, _, async, ct) => e.ExecuteNonQueryAsync(async, ct), async: true, cancellationToken).AsTask();

    /// <inheritdoc/>
    public override object? ExecuteScalar() =>
        ExecuteAsync(static (e, _, async, ct) => e.ExecuteScalarAsync(async, ct), async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync(static (e, _, async, ct) => e.ExecuteScalarAsync(async, ct), async: true, cancellationToken).AsTask();

    /// <summary>Executes the batch and returns Npgsql's reader over the caller's result sets (the bind's is skipped).</summary>
    public new NpgsqlDataReader ExecuteReader(CommandBehavior behavior = CommandBehavior.Default) =>
        ExecuteAsync(static async (e, behavior, async, ct) => (NpgsqlDataReader)await e.ExecuteReaderAsync(behavior, async, ct).ConfigureAwait(false), async: false, CancellationToken.None, behavior)
            .AsTask().GetAwaiter().GetResult();

    /// <inheritdoc cref="ExecuteReader"/>
    public new async Task<NpgsqlDataReader> ExecuteReaderAsync(CancellationToken cancellationToken = default) =>
        await ExecuteReaderAsync(CommandBehavior.Default, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="ExecuteReader"/>
    public new Task<NpgsqlDataReader> ExecuteReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken = default) =>
        ExecuteAsync(static async (e, behavior, async, ct) => (NpgsqlDataReader)await e.ExecuteReaderAsync(behavior, async, ct).ConfigureAwait(false), async: true, cancellationToken, behavior).AsTask();

    /// <inheritdoc/>
    protected override DbBatchCommand CreateDbBatchCommand() => new NpgsqlBatchCommand();

    /// <inheritdoc/>
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => ExecuteReader(behavior);

    /// <inheritdoc/>
    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        await ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _template.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _template.Dispose();
        base.Dispose();
    }

    private async ValueTask<T> ExecuteAsync<T>(
        Func<BoundExecution, CommandBehavior, bool, CancellationToken, ValueTask<T>> execute,
        bool async,
        CancellationToken cancellationToken,
        CommandBehavior behavior = CommandBehavior.Default)
    {
        var connection = _connection
            ?? throw new InvalidOperationException("The batch has no connection: create it with connection.CreateBatch() on a connection from the TenantDataSource.");

        // Fail closed before anything is sent.
        var tenant = connection.Binding.CurrentTenant();
        var bound = connection.Binding.Bind(_template, tenant, connection.Inner, (_transaction ?? connection.CurrentTransaction)?.Inner);
        Volatile.Write(ref _inFlight, bound);
        try
        {
            return await bound.RunAsync(b => execute(b, behavior, async, cancellationToken), _prepare, async, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _inFlight, null);
        }
    }
}
