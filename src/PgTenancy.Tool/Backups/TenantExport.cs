using System.Text;
using Npgsql;

namespace PgTenancy.Tool.Backups;

/// <summary>
/// <c>pgtenancy export --tenant X</c>: one tenant's rows, read as the application role under row-level security (so
/// the database, not this tool, decides what belongs to the tenant), as JSON lines — for data portability requests.
/// </summary>
internal static class TenantExport
{
    private const string TenantTablesSql = """
        SELECT format('%I.%I', c.table_schema, c.table_name) FROM information_schema.columns c
        JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
        WHERE c.column_name = $1 AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1
        """;

    public static async Task<Dictionary<string, int>> WriteAsync(
        string appConnection, TenantId tenant, string tenantColumn, IReadOnlyList<string>? tables, string output, CancellationToken cancellationToken)
    {
        await using var pool = NpgsqlDataSource.Create(appConnection);
        await using var app = pool.WithTenancy(new TenancyOptions { TenantKind = tenant.Kind });
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var partial = output + ".partial";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // personal data
            }

            using (TenantScope.Begin(tenant))
            await using (var connection = await app.OpenConnectionAsync(cancellationToken))
            await using (var file = new StreamWriter(new FileStream(partial, options), new UTF8Encoding(false)))
            {
                tables ??= await TenantTablesAsync(connection, tenantColumn, cancellationToken);
                foreach (var table in tables)
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = $"SELECT json_build_object('table', {Literal(table)}, 'row', row_to_json(t))::text FROM {table} t";
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    counts[table] = 0;
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        await file.WriteLineAsync(reader.GetString(0).AsMemory(), cancellationToken);
                        counts[table]++;
                    }
                }
            }

            File.Move(partial, output, overwrite: true);
            return counts;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static async Task<List<string>> TenantTablesAsync(System.Data.Common.DbConnection connection, string tenantColumn, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = TenantTablesSql;
        var parameter = command.CreateParameter();
        parameter.Value = tenantColumn;
        command.Parameters.Add(parameter);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tables.Add(reader.GetString(0));
        }

        return tables.Count > 0 ? tables : throw new BackupException($"The role sees no table with a \"{tenantColumn}\" column: check --tenant-column and the role's grants.");
    }

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
