using System.Data;
using System.Data.Common;
using Npgsql;
using PgTenancy.Internal;

namespace PgTenancy;

/// <summary>
/// A batch on a <see cref="TenantConnection"/>. Each execution sends the bind statement as the batch's first command,
/// in the same round trip; the caller's batch commands are the very objects executed, so their
/// <see cref="NpgsqlBatchCommand.RecordsAffected"/> and result sets are exactly what Npgsql reports without PgTenancy.
/// </summary>
public sealed class TenantBatch : DbBatch
{
    private readonly NpgsqlBatch _template = new();
    private TenantConnection? _connection;
    private TenantTransaction? _transaction;
    private bool _prepare;
    private NpgsqlBatch? _inFlight;

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
    public override int ExecuteNonQuery() => Explained(() => Bound().ExecuteNonQuery());

    /// <inheritdoc/>
    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken = default) =>
        ExplainedAsync(async () => await (await BoundAsync(cancellationToken).ConfigureAwait(false)).ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false));

    /// <inheritdoc/>
    public override object? ExecuteScalar() => Explained(() => Bound().ExecuteScalar());

    /// <inheritdoc/>
    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken = default) =>
        ExplainedAsync(async () => await (await BoundAsync(cancellationToken).ConfigureAwait(false)).ExecuteScalarAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Executes the batch and returns Npgsql's reader over the caller's result sets (the bind adds none).</summary>
    public new NpgsqlDataReader ExecuteReader(CommandBehavior behavior = CommandBehavior.Default) => Explained(() => Bound().ExecuteReader(behavior));

    /// <inheritdoc cref="ExecuteReader"/>
    public new async Task<NpgsqlDataReader> ExecuteReaderAsync(CancellationToken cancellationToken = default) =>
        await ExecuteReaderAsync(CommandBehavior.Default, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="ExecuteReader"/>
    public new Task<NpgsqlDataReader> ExecuteReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken = default) =>
        ExplainedAsync(async () => await (await BoundAsync(cancellationToken).ConfigureAwait(false)).ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false));

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

    private T Explained<T>(Func<T> execute)
    {
        try
        {
            return execute();
        }
        catch (Exception e) when (e is PostgresException or NotSupportedException && _connection?.Binding.Explain(e) is { } explained)
        {
            throw explained;
        }
    }

    private async Task<T> ExplainedAsync<T>(Func<Task<T>> execute)
    {
        try
        {
            return await execute().ConfigureAwait(false);
        }
        catch (Exception e) when (e is PostgresException or NotSupportedException && _connection?.Binding.Explain(e) is { } explained)
        {
            throw explained;
        }
    }

    private NpgsqlBatch Bound()
    {
        var batch = Build();
        if (_prepare)
        {
            batch.Prepare();
        }

        return batch;
    }

    private async ValueTask<NpgsqlBatch> BoundAsync(CancellationToken cancellationToken)
    {
        var batch = Build();
        if (_prepare)
        {
            await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }

        return batch;
    }

    private NpgsqlBatch Build()
    {
        var connection = _connection
            ?? throw new InvalidOperationException("The batch has no connection: create it with connection.CreateBatch() on a connection from the TenantDataSource.");

        // Fail closed before anything is sent.
        var tenant = connection.Binding.CurrentTenant();
        var batch = connection.Binding.Bind(_template, tenant, connection.Inner, (_transaction ?? connection.CurrentTransaction)?.Inner);

        Volatile.Write(ref _inFlight, batch);
        return batch;
    }
}
