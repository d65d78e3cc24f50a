using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Npgsql;
using PgTenancy.Binding;
using PgTenancy.Internal;

namespace PgTenancy;

/// <summary>
/// A command on a <see cref="TenantConnection"/>. Each execution binds the tenant current at that moment: the bind
/// statement travels in the same batch as the command's SQL (one round trip), sets the tenant setting for that
/// batch's transaction only, and adds no result set (its one row is skipped), no row count and no notice to what the
/// caller sees.
/// With no tenant current, execution throws <see cref="TenantContextMissingException"/> and sends nothing.
/// </summary>
public sealed class TenantCommand : DbCommand
{
    private readonly NpgsqlCommand _template = new();
    private TenantConnection? _connection;
    private TenantTransaction? _transaction;
    private bool _prepare;
    private BoundExecution? _inFlight;

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
    public override void Cancel() => Volatile.Read(ref _inFlight)?.Cancel();

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
        ExecuteAsync(static (e, _, async, ct) => e.ExecuteNonQueryAsync(async, ct), async: false, completesHere: true, CancellationToken.None)
            .AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(static (e, _, async, ct) => e.ExecuteNonQueryAsync(async, ct), async: true, completesHere: true, cancellationToken).AsTask();

    /// <inheritdoc/>
    public override object? ExecuteScalar() =>
        ExecuteAsync(static (e, _, async, ct) => e.ExecuteScalarAsync(async, ct), async: false, completesHere: true, CancellationToken.None)
            .AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) =>
        ExecuteAsync(static (e, _, async, ct) => e.ExecuteScalarAsync(async, ct), async: true, completesHere: true, cancellationToken).AsTask();

    /// <summary>Executes the command and returns Npgsql's reader over the caller's result sets (the bind adds none).</summary>
    public new NpgsqlDataReader ExecuteReader() => ExecuteReader(CommandBehavior.Default);

    /// <inheritdoc cref="ExecuteReader()"/>
    public new NpgsqlDataReader ExecuteReader(CommandBehavior behavior) =>
        ExecuteAsync(static async (e, behavior, async, ct) => (NpgsqlDataReader)await e.ExecuteReaderAsync(behavior, async, ct).ConfigureAwait(false), async: false, completesHere: false, CancellationToken.None, behavior)
            .AsTask().GetAwaiter().GetResult();

    /// <inheritdoc cref="ExecuteReader()"/>
    public new Task<NpgsqlDataReader> ExecuteReaderAsync(CancellationToken cancellationToken = default) =>
        ExecuteReaderAsync(CommandBehavior.Default, cancellationToken);

    /// <inheritdoc cref="ExecuteReader()"/>
    public new Task<NpgsqlDataReader> ExecuteReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken = default) =>
        ExecuteAsync(static async (e, behavior, async, ct) => (NpgsqlDataReader)await e.ExecuteReaderAsync(behavior, async, ct).ConfigureAwait(false), async: true, completesHere: false, cancellationToken, behavior).AsTask();

    /// <inheritdoc/>
    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => ExecuteReader(behavior);

    /// <inheritdoc/>
    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        await ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false);

    private async ValueTask<T> ExecuteAsync<T>(
        Func<BoundExecution, CommandBehavior, bool, CancellationToken, ValueTask<T>> execute,
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
        var binding = connection.Binding;
        var tenant = binding.CurrentTenant();
        var transaction = (_transaction ?? connection.CurrentTransaction)?.Inner;
        var bound = binding.Bind(_template, tenant, connection.Inner, transaction);
        Volatile.Write(ref _inFlight, bound);
        try
        {
            return await bound.RunAsync(
                async b =>
                {
                    var result = await execute(b, behavior, async, cancellationToken).ConfigureAwait(false);
                    if (completesHere)
                    {
                        // A reader keeps using its command until it is closed, so only executions that complete here dispose theirs.
                        b.CopyOutputValuesTo(_template.Parameters);
                        await b.DisposeAsync(async).ConfigureAwait(false);
                    }

                    return result;
                },
                _prepare,
                async,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _inFlight, null);
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
