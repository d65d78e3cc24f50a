using System.Data.Common;

namespace PgTenancy.Testing.Isolation;

/// <summary>Sends SQL through a <see cref="DbDataSource"/> (normally a <see cref="TenantDataSource"/>), one connection per call, as an application would.</summary>
internal sealed class DataSourceChannel(DbDataSource dataSource) : ISqlChannel
{
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
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
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
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
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
