using System.Globalization;
using Npgsql;

namespace PgTenancy.Tool.Backups;

/// <summary>
/// What a restore test compares: per table — and per tenant where the table has the tenant column — the row count and
/// an order-independent checksum of the rows' text, read as a superuser (row-level security does not apply to it).
/// </summary>
internal static class TableChecksums
{
    private const string TablesSql = """
        SELECT format('%I.%I', n.nspname, c.relname), EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        ORDER BY 1
        """;

    public static async Task<Dictionary<string, string>> ReadAsync(NpgsqlConnectionStringBuilder database, string tenantColumn, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var tables = new List<(string Name, bool Tenant)>();
        await using (var command = new NpgsqlCommand(TablesSql, connection) { Parameters = { new() { Value = tenantColumn } } })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tables.Add((reader.GetString(0), reader.GetBoolean(1)));
            }
        }

        foreach (var (table, tenant) in tables)
        {
            // A superuser reads every row (RLS does not apply to it); md5 of each row's text, summed order-free.
            var group = tenant ? $"\"{tenantColumn}\"::text" : "''";
            var sql = $"SELECT {group}, count(*), md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) FROM {table} t GROUP BY 1";
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var any = false;
            while (await reader.ReadAsync(cancellationToken))
            {
                any = true;
                var key = tenant ? $"{table} tenant {reader.GetString(0)}" : table;
                result[key] = string.Create(CultureInfo.InvariantCulture, $"{reader.GetInt64(1)} rows, md5 {reader.GetString(2)}");
            }

            if (!any)
            {
                result[table] = "0 rows";
            }
        }

        return result;
    }

    /// <summary>The differences between the source's and the restore's checksums, each line printed as it compares.</summary>
    public static IReadOnlyList<string> Compare(IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> actual, TextWriter output)
    {
        foreach (var (what, value) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{(actual.GetValueOrDefault(what) == value ? "ok  " : "DIFF")}  {what}  {value}");
        }

        return [.. expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
            .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k))
            .Select(k => $"{k}: source {expected.GetValueOrDefault(k) ?? "missing"}, restored {actual.GetValueOrDefault(k) ?? "missing"}")];
    }
}
