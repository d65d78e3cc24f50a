using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>Statements the kit runs as the oracle role (RLS does not apply to it): catalog reads, reset, seeding, metamorphic reads.</summary>
internal static class OracleSql
{
    public static async Task<List<object?[]>> QueryAsync(NpgsqlDataSource oracle, string sql, object[] parameters, CancellationToken cancellationToken)
    {
        var connection = await oracle.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(connection, sql, parameters, cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<List<object?[]>> QueryAsync(NpgsqlConnection connection, string sql, object[] parameters, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = parameter });
            }

            var rows = new List<object?[]>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var row = new object?[reader.FieldCount];
                    for (var i = 0; i < row.Length; i++)
                    {
                        row[i] = await reader.IsDBNullAsync(i, cancellationToken).ConfigureAwait(false) ? null : reader.GetValue(i);
                    }

                    rows.Add(row);
                }
            }

            return rows;
        }
    }
}
