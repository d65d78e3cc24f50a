using System.Data;
using System.Data.Common;
using Npgsql;

namespace PgTenancy.Binding;

/// <summary>
/// One execution of the caller's statements with the tenant bound in front of them: either a command whose SQL carries
/// the bind as its first statement, or a batch whose first command is the bind (or, for a statement PostgreSQL refuses
/// in a transaction block, the statement alone). Made by <see cref="TenantBinding"/>; the callers (TenantCommand, the
/// EF Core interceptor) execute it without knowing which shape it is.
/// </summary>
internal sealed class BoundExecution : IAsyncDisposable, IDisposable
{
    private readonly NpgsqlCommand? _command;
    private readonly NpgsqlBatch? _batch;

    public BoundExecution(NpgsqlCommand command) => _command = command;

    public BoundExecution(NpgsqlBatch batch) => _batch = batch;

    /// <summary>The parameters of the caller's statement as executed (clones of the caller's own).</summary>
    private NpgsqlParameterCollection ExecutedParameters => _command?.Parameters ?? _batch!.BatchCommands[^1].Parameters;

    public async ValueTask PrepareAsync(bool async, CancellationToken cancellationToken)
    {
        if (_command is not null)
        {
            if (async)
            {
                await _command.PrepareAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _command.Prepare();
            }
        }
        else if (async)
        {
            await _batch!.PrepareAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _batch!.Prepare();
        }
    }

    public async ValueTask<int> ExecuteNonQueryAsync(bool async, CancellationToken cancellationToken) => async
        ? await (_command is not null ? _command.ExecuteNonQueryAsync(cancellationToken) : _batch!.ExecuteNonQueryAsync(cancellationToken)).ConfigureAwait(false)
        : _command?.ExecuteNonQuery() ?? _batch!.ExecuteNonQuery();

    public async ValueTask<object?> ExecuteScalarAsync(bool async, CancellationToken cancellationToken) => async
        ? await (_command is not null ? _command.ExecuteScalarAsync(cancellationToken) : _batch!.ExecuteScalarAsync(cancellationToken)).ConfigureAwait(false)
        : _command is not null ? _command.ExecuteScalar() : _batch!.ExecuteScalar();

    public async ValueTask<NpgsqlDataReader> ExecuteReaderAsync(CommandBehavior behavior, bool async, CancellationToken cancellationToken) => async
        ? await (_command is not null ? _command.ExecuteReaderAsync(behavior, cancellationToken) : _batch!.ExecuteReaderAsync(behavior, cancellationToken)).ConfigureAwait(false)
        : _command?.ExecuteReader(behavior) ?? _batch!.ExecuteReader(behavior);

    public void Cancel()
    {
        if (_command is not null)
        {
            _command.Cancel();
        }
        else
        {
            _batch!.Cancel();
        }
    }

    /// <summary>Copies values of output parameters back to the caller's parameters, after a non-query or scalar execution.</summary>
    public void CopyOutputValuesTo(DbParameterCollection caller)
    {
        var executed = ExecutedParameters;
        for (var i = 0; i < caller.Count; i++)
        {
            if (caller[i].Direction != ParameterDirection.Input)
            {
                caller[i].Value = executed[i].Value;
            }
        }
    }

    public async ValueTask DisposeAsync(bool async)
    {
        if (async)
        {
            await DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            Dispose();
        }
    }

    public ValueTask DisposeAsync() => _command?.DisposeAsync() ?? _batch!.DisposeAsync();

    public void Dispose()
    {
        _command?.Dispose();
        _batch?.Dispose();
    }
}
