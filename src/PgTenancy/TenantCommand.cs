using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Npgsql;
using PgTenancy.Internal;

namespace PgTenancy;

/// <summary>
/// A command on a <see cref="TenantConnection"/>. Each execution binds the tenant current at that moment: the bind
/// statement travels in the same batch as the command's SQL (one round trip), sets the tenant setting for that
/// batch's transaction only, and adds no result set, no row count and no notice to what the caller sees.
/// With no tenant current, execution throws <see cref="TenantContextMissingException"/> and sends nothing.
/// </summary>
public sealed class TenantCommand : DbCommand
{
    private readonly NpgsqlCommand _template = new();
    private TenantConnection? _connection;
    private TenantTransaction? _transaction;
    private bool _prepare;
    private object? _inFlight;

    /// <summary>Creates a command with no connection; set <see cref="Connection"/> before executing it.</summary>
    public TenantCommand()
    {
    }

    internal TenantCommand(TenantConnection connection) => _connection = connection;

    /// <inheritdoc/>
    [AllowNull]
    public override string CommandText
    {
        get => _template.CommandText;
        set => _template.CommandText = value;
    }

    /// <inheritdoc/>
    public override int CommandTimeout
    {
        get => _template.CommandTimeout;
        set => _template.CommandTimeout = value;
    }

    /// <inheritdoc/>
    public override CommandType CommandType
    {
        get => _template.CommandType;
        set => _template.CommandType = value;
    }

    /// <inheritdoc/>
    public override bool DesignTimeVisible { get; set; }

    /// <inheritdoc/>
    public override UpdateRowSource UpdatedRowSource
    {
        get => _template.UpdatedRowSource;
        set => _template.UpdatedRowSource = value;
    }

    /// <summary>The command's parameters, Npgsql's own type: named (<c>@p</c>) or positional (<c>$1</c>).</summary>
    public new NpgsqlParameterCollection Parameters => _template.Parameters;

    /// <summary>
    /// The tenant-bound connection the command runs on. Through <see cref="DbCommand"/>, setting any other connection
    /// throws <see cref="ArgumentException"/>: it would run the command unbound.
    /// </summary>
    public new TenantConnection? Connection
    {
        get => _connection;
        set => _connection = value;
    }

    /// <summary>The transaction the command runs in; by default the connection's open transaction.</summary>
    public new TenantTransaction? Transaction
    {
        get => _transaction;
        set => _transaction = value;
    }

    /// <inheritdoc/>
    protected override DbConnection? DbConnection
    {
        get => _connection;
        set => _connection = TenantObjects.RequireConnection(value, "TenantCommand");
    }

    /// <inheritdoc/>
    protected override DbParameterCollection DbParameterCollection => _template.Parameters;

    /// <inheritdoc/>
    protected override DbTransaction? DbTransaction
    {
        get => _transaction;
        set => _transaction = TenantObjects.RequireTransaction(value, "TenantCommand");
    }

    /// <inheritdoc/>
    public override void Cancel()
    {
        switch (Volatile.Read(ref _inFlight))
        {
            case NpgsqlCommand command:
                command.Cancel();
                break;
            case NpgsqlBatch batch:
                batch.Cancel();
                break;
        }
    }

    /// <summary>Creates an Npgsql parameter for this command.</summary>
    public new NpgsqlParameter CreateParameter() => _template.CreateParameter();

    /// <inheritdoc/>
    protected override DbParameter CreateDbParameter() => CreateParameter();

    /// <summary>
    /// Prepares the command's statements (and the bind statement) on each physical connection it runs on; Npgsql keeps
    /// prepared statements per physical connection, so later executions reuse them.
    /// </summary>
    public override void Prepare() => _prepare = true;

    /// <inheritdoc cref="Prepare"/>
    public override Task PrepareAsync(CancellationToken cancellationToken = default)
    {
        _prepare = true;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override int ExecuteNonQuery() =>
        ExecuteAsync(static (e, _, _) => new ValueTask<int>(e.ExecuteNonQuery()), static (b, _, _) => new ValueTask<int>(b.ExecuteNonQuery()), async: false, completesHere: true, CancellationToken.None)
            .AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(static async (e, _, ct) => await e.ExecuteNonQueryAsync(ct).ConfigureAwait(false), static async (b, _, ct) => await b.ExecuteNonQueryAsync(ct).ConfigureAwait(false), async: true, completesHere: true, cancellationToken)
            .AsTask();

    /// <inheritdoc/>
    public override object? ExecuteScalar() =>
        ExecuteAsync(static (e, _, _) => new ValueTask<object?>(e.ExecuteScalar()), static (b, _, _) => new ValueTask<object?>(b.ExecuteScalar()), async: false, completesHere: true, CancellationToken.None)
            .AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(static async (e, _, ct) => await e.ExecuteScalarAsync(ct).ConfigureAwait(false), static async (b, _, ct) => await b.ExecuteScalarAsync(ct).ConfigureAwait(false), async: true, completesHere: true, cancellationToken)
            .AsTask();

    /// <summary>Executes the command and returns Npgsql's reader over the caller's result sets (the bind adds none).</summary>
    public new NpgsqlDataReader ExecuteReader() => ExecuteReader(CommandBehavior.Default);

    /// <inheritdoc cref="ExecuteReader()"/>
    public new NpgsqlDataReader ExecuteReader(CommandBehavior behavior) =>
        ExecuteAsync(static (e, behavior, _) => new ValueTask<NpgsqlDataReader>(e.ExecuteReader(behavior)), static (b, behavior, _) => new ValueTask<NpgsqlDataReader>(b.ExecuteReader(behavior)), async: false, completesHere: false, CancellationToken.None, behavior)
            .AsTask().GetAwaiter().GetResult();

    /// <inheritdoc cref="ExecuteReader()"/>
    public new Task<NpgsqlDataReader> ExecuteReaderAsync(CancellationToken cancellationToken = default) =>
        ExecuteReaderAsync(CommandBehavior.Default, cancellationToken);

    /// <inheritdoc cref="ExecuteReader()"/>
    public new Task<NpgsqlDataReader> ExecuteReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken = default) =>
        ExecuteAsync(static async (e, behavior, ct) => await e.ExecuteReaderAsync(behavior, ct).ConfigureAwait(false), static async (b, behavior, ct) => await b.ExecuteReaderAsync(behavior, ct).ConfigureAwait(false), async: true, completesHere: false, cancellationToken, behavior)
            .AsTask();

    /// <inheritdoc/>
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => ExecuteReader(behavior);

    /// <inheritdoc/>
    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        await ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);

    private async ValueTask<T> ExecuteAsync<T>(
        Func<NpgsqlCommand, CommandBehavior, CancellationToken, ValueTask<T>> onCommand,
        Func<NpgsqlBatch, CommandBehavior, CancellationToken, ValueTask<T>> onBatch,
        bool async,
        bool completesHere,
        CancellationToken cancellationToken,
        CommandBehavior behavior = CommandBehavior.Default)
    {
        var connection = _connection
            ?? throw new InvalidOperationException("The command has no connection: open one from the TenantDataSource and set Connection, or use connection.CreateCommand().");

        if (_template.CommandText.TrimStart().StartsWith("COPY", StringComparison.OrdinalIgnoreCase))
        {
            throw new NotSupportedException(
                "COPY cannot run as a command on a tenant-bound connection. Use TenantConnection.BeginBinaryImport, BeginBinaryExport or BeginTextExport inside a transaction, which bind the tenant for the COPY.");
        }

        // Fail closed before anything is sent: no tenant (unless opted out) or a tenant of the wrong kind throws here.
        var tenant = connection.Binder.CurrentTenantValue();
        var transaction = (_transaction ?? connection.CurrentTransaction)?.Inner;
        try
        {
            if (BoundStatements.NeedsBatch(_template.CommandType, _template.Parameters))
            {
                var batch = BoundStatements.BatchedCommand(connection.Binder, tenant, _template, connection.Inner, transaction);
                Volatile.Write(ref _inFlight, batch);
                if (_prepare)
                {
                    await PrepareAsync(batch, async, cancellationToken).ConfigureAwait(false);
                }

                var result = await onBatch(batch, behavior, cancellationToken).ConfigureAwait(false);
                if (completesHere)
                {
                    BoundStatements.CopyOutputValues(batch.BatchCommands[1].Parameters, _template.Parameters);
                    await DisposeAsync(batch, async).ConfigureAwait(false);
                }

                return result;
            }

            var command = BoundStatements.PrefixedCommand(connection.Binder, tenant, _template, connection.Inner, transaction);
            Volatile.Write(ref _inFlight, command);
            if (_prepare)
            {
                await PrepareAsync(command, async, cancellationToken).ConfigureAwait(false);
            }

            var value = await onCommand(command, behavior, cancellationToken).ConfigureAwait(false);
            if (completesHere)
            {
                BoundStatements.CopyOutputValues(command.Parameters, _template.Parameters);
                await DisposeAsync(command, async).ConfigureAwait(false);
            }

            return value;
        }
        catch (PostgresException e) when (connection.Binder.Explain(e) is { } explained)
        {
            throw explained;
        }
        finally
        {
            Volatile.Write(ref _inFlight, null);
        }
    }

    // A reader keeps using its command until it is closed, so only executions that complete here dispose theirs.
    private static async ValueTask DisposeAsync(IAsyncDisposable executed, bool async)
    {
        if (async)
        {
            await executed.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            ((IDisposable)executed).Dispose();
        }
    }

    private static async ValueTask PrepareAsync(DbCommand command, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            command.Prepare();
        }
    }

    private static async ValueTask PrepareAsync(DbBatch batch, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            await batch.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            batch.Prepare();
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _template.Dispose();
        }

        base.Dispose(disposing);
    }
}
