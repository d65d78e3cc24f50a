using System.Data.Common;

namespace PgTenancy.Testing.Isolation;

/// <summary>Sends SQL through a <see cref="DbDataSource"/> (normally a <see cref="TenantDataSource"/>), one connection per call, as an application would.</summary>
internal sealed class DataSourceChannel : ISqlChannel
{
    private readonly Func<CancellationToken, ValueTask<DbConnection>> _open;
    private readonly Func<ISqlChannel> _unbound;

    public DataSourceChannel(DbDataSource dataSource)
    {
        _open = dataSource.OpenConnectionAsync;
        // A TenantDataSource's own pool, without PgTenancy's binding; of any other data source, a connection it creates
        // and the kit opens itself, so that no hook on its OpenConnection runs.
        _unbound = () => dataSource is TenantDataSource tenant
            ? new DataSourceChannel(tenant.Inner)
            : new DataSourceChannel(async cancellationToken =>
            {
                var connection = dataSource.CreateConnection();
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return connection;
            });
    }

    /// <summary>A channel over connections that <paramref name="open"/> opens, which bind nothing.</summary>
    public DataSourceChannel(Func<CancellationToken, ValueTask<DbConnection>> open)
    {
        _open = open;
        _unbound = () => this;
    }

    public ISqlChannel Unbound => _unbound();

    public Task<List<string?[]>> QueryAsync(Statement statement, CancellationToken cancellationToken) =>
        WithCommandAsync(statement, async command =>
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await ReadRowsAsync(reader, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken);

    public Task<int> ExecuteAsync(Statement statement, CancellationToken cancellationToken) =>
        WithCommandAsync(statement, command => command.ExecuteNonQueryAsync(cancellationToken), cancellationToken);

    public async Task<List<List<string?[]>>> BatchAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken)
    {
        var connection = await _open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var batch = connection.CreateBatch();
            await using (batch.ConfigureAwait(false))
            {
                foreach (var statement in statements)
                {
                    var command = batch.CreateBatchCommand();
                    command.CommandText = statement.Sql;
                    AddParameters(command.Parameters, batch.CreateBatchCommand().CreateParameter, statement);
                    batch.BatchCommands.Add(command);
                }

                var results = new List<List<string?[]>>();
                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    do
                    {
                        results.Add(await ReadRowsAsync(reader, cancellationToken).ConfigureAwait(false));
                    }
                    while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
                }

                return results;
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> on a command for <paramref name="statement"/>, on a connection of its own.</summary>
    private async Task<T> WithCommandAsync<T>(Statement statement, Func<DbCommand, Task<T>> action, CancellationToken cancellationToken)
    {
        var connection = await _open(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = connection.CreateCommand();
            await using (command.ConfigureAwait(false))
            {
                command.CommandText = statement.Sql;
                AddParameters(command.Parameters, command.CreateParameter, statement);
                return await action(command).ConfigureAwait(false);
            }
        }
    }

    private static void AddParameters(DbParameterCollection parameters, Func<DbParameter> create, Statement statement)
    {
        foreach (var value in statement.Parameters)
        {
            var parameter = create();
            parameter.DbType = System.Data.DbType.String;
            parameter.Value = (object?)value ?? DBNull.Value;
            parameters.Add(parameter);
        }
    }

    private static async Task<List<string?[]>> ReadRowsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var rows = new List<string?[]>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var row = new string?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = await reader.IsDBNullAsync(i, cancellationToken).ConfigureAwait(false) ? null : reader.GetString(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}
