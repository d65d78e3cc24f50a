using System.Data;
using System.Data.Common;
using Npgsql;

namespace PgTenancy.Binding;

/// <summary>
/// One execution of the caller's statements with the tenant bound in front of them: a command whose SQL carries the
/// bind as its first statement, or a batch whose first command is the bind (or, for a statement PostgreSQL refuses in
/// a transaction block, the statement alone). Made by <see cref="TenantBinding"/>; the callers (TenantCommand,
/// TenantBatch, the EF Core interceptor) execute it without knowing which shape it is.
/// </summary>
/// <remarks>
/// The bind statement returns one row (<see cref="BindingSql.BindStatement"/>). Every execution here hides it: a reader
/// is handed over past the bind's result, a scalar is read from the caller's first result, and a non-query's row count
/// never includes it (Npgsql counts no SELECT). <see cref="CommandBehavior.SingleResult"/> is not passed on to Npgsql,
/// which would stop at the bind's result; ADO.NET defines it as a hint, and a bound command holds one statement unless
/// the application allowed more.
/// </remarks>
internal sealed class BoundExecution : IAsyncDisposable, IDisposable
{
    private readonly DbCommand? _command;
    private readonly NpgsqlBatch? _batch;
    private readonly bool _bindResultFirst;
    private readonly bool _ownsCommand;
    private readonly bool _opensTransaction;

    /// <summary>
    /// A command to execute: one of ours (<paramref name="ownsCommand"/>), or the caller's own, bound in place.
    /// <paramref name="opensTransaction"/>: its SQL begins and commits a transaction of its own (Citus mode).
    /// </summary>
    public BoundExecution(DbCommand command, bool bindResultFirst, bool ownsCommand = true, bool opensTransaction = false)
    {
        _command = command;
        _bindResultFirst = bindResultFirst;
        _ownsCommand = ownsCommand;
        _opensTransaction = opensTransaction;
    }

    /// <summary>A batch whose first command is the bind (its one-row result skipped when <paramref name="bindResultFirst"/>).</summary>
    public BoundExecution(NpgsqlBatch batch, bool bindResultFirst = true, bool opensTransaction = false)
    {
        _batch = batch;
        _bindResultFirst = bindResultFirst;
        _ownsCommand = true;
        _opensTransaction = opensTransaction;
    }

    /// <summary>The parameters of the caller's statement as executed (clones of the caller's own, or the caller's own when bound in place).</summary>
    private DbParameterCollection ExecutedParameters => _command?.Parameters ?? _batch!.BatchCommands[^1].Parameters;

    /// <summary>
    /// Runs <paramref name="execute"/> on this execution, prepared first when <paramref name="prepare"/>, and turns the
    /// errors the binding causes into ones that say what to do (<see cref="TenantBinding.Explain"/>); every caller that
    /// executes a bound execution goes through here.
    /// </summary>
    /// <remarks>
    /// An execution that begins its own transaction (Citus mode) ends it when it fails: the statements after the error
    /// are skipped, COMMIT with them, and the connection would stay in a failed transaction block. When an error while
    /// reading an earlier execution's results left the block open, this execution's BEGIN is refused before anything of
    /// it ran: the block is rolled back and the execution runs once more.
    /// </remarks>
    public async ValueTask<T> RunAsync<T>(Func<BoundExecution, ValueTask<T>> execute, bool prepare, bool async, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (prepare)
                {
                    await PrepareAsync(async, cancellationToken).ConfigureAwait(false);
                }

                return await execute(this).ConfigureAwait(false);
            }
            catch (PostgresException e) when (_opensTransaction && attempt == 1 && RefusedBeginInFailedBlock(e))
            {
                await RollbackAsync(async).ConfigureAwait(false);
            }
            catch (Exception e) when (_opensTransaction)
            {
                await RollbackAsync(async).ConfigureAwait(false);
                if (TenantBinding.Explain(e) is { } explained)
                {
                    throw explained;
                }

                throw;
            }
            catch (Exception e) when (TenantBinding.Explain(e) is { } explained)
            {
                throw explained;
            }
        }
    }

    // Inside its own BEGIN … COMMIT, an execution's failure is its statement's error (the statements after it are skipped
    // without one), so "in failed transaction" can only mean the block was failed before: its BEGIN was refused.
    private static bool RefusedBeginInFailedBlock(PostgresException e) => e.SqlState == PostgresErrorCodes.InFailedSqlTransaction;

    /// <summary>Ends the transaction this execution began, best effort: on a broken connection there is nothing to end.</summary>
    private async ValueTask RollbackAsync(bool async)
    {
        var connection = _command?.Connection ?? _batch!.Connection;
        if (connection is not { State: ConnectionState.Open })
        {
            return;
        }

        try
        {
            var rollback = connection.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await using (rollback.ConfigureAwait(false))
            {
                _ = async ? await rollback.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) : rollback.ExecuteNonQuery();
            }
        }
        catch (DbException)
        {
            // The connection broke with the statement; the pool discards it, and the server ends the transaction.
        }
    }

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

    /// <summary>The first column of the first row of the caller's first result set, or null without one (as Npgsql's ExecuteScalar).</summary>
    public async ValueTask<object?> ExecuteScalarAsync(bool async, CancellationToken cancellationToken)
    {
        // Npgsql reads a scalar sequentially unless output parameters must be filled from the row.
        var behavior = _batch is not null || ExecutedParameters.Cast<DbParameter>().All(p => p.Direction == ParameterDirection.Input)
            ? CommandBehavior.SingleRow | CommandBehavior.SequentialAccess
            : CommandBehavior.SingleRow;
        var reader = await ExecuteReaderAsync(behavior, async, cancellationToken).ConfigureAwait(false);
        try
        {
            var read = async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read();
            return read && reader.FieldCount != 0 ? reader.GetValue(0) : null;
        }
        finally
        {
            await DisposeAsync(reader, async).ConfigureAwait(false);
        }
    }

    /// <summary>A reader over the caller's result sets: positioned past the bind's.</summary>
    public async ValueTask<DbDataReader> ExecuteReaderAsync(CommandBehavior behavior, bool async, CancellationToken cancellationToken)
    {
        if (_bindResultFirst)
        {
            behavior &= ~CommandBehavior.SingleResult;
        }

        var reader = async
            ? _command is not null
                ? await _command.ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false)
                : await _batch!.ExecuteReaderAsync(behavior, cancellationToken).ConfigureAwait(false)
            : _command?.ExecuteReader(behavior) ?? _batch!.ExecuteReader(behavior);
        if (!_bindResultFirst)
        {
            return reader;
        }

        try
        {
            // Moving on runs the caller's statements up to their first result: their errors surface here, as they
            // would from ExecuteReader without the bind.
            _ = async ? await reader.NextResultAsync(cancellationToken).ConfigureAwait(false) : reader.NextResult();
            return reader;
        }
        catch
        {
            await DisposeAsync(reader, async).ConfigureAwait(false);
            throw;
        }
    }

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
        if (ReferenceEquals(executed, caller))
        {
            return;
        }

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

    public ValueTask DisposeAsync() => !_ownsCommand ? ValueTask.CompletedTask : _command?.DisposeAsync() ?? _batch!.DisposeAsync();

    public void Dispose()
    {
        if (_ownsCommand)
        {
            _command?.Dispose();
            _batch?.Dispose();
        }
    }

    private static async ValueTask DisposeAsync(DbDataReader reader, bool async)
    {
        if (async)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            reader.Dispose();
        }
    }
}
