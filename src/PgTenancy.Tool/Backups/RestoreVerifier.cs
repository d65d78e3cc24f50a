using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace PgTenancy.Tool.Backups;

/// <summary>
/// <c>pgtenancy backup verify</c>: decrypts a backup into pg_restore, restoring into a scratch database on the same
/// server, then compares every table's row count and content checksum — per tenant where the table has the tenant
/// column — with the source database. The scratch database is dropped afterwards, whatever happened.
/// </summary>
internal static class RestoreVerifier
{
    /// <summary>Per table (and tenant): row count and an order-independent checksum of the rows' text.</summary>
    private const string TableChecksumSql = """
        SELECT format('%I.%I', n.nspname, c.relname), EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        ORDER BY 1
        """;

    public static async Task<IReadOnlyList<string>> VerifyAsync(
        NpgsqlConnectionStringBuilder source, BackupKey key, string input, string tenantColumn, TextWriter output, CancellationToken cancellationToken)
    {
        var scratch = $"{source.Database}_verify_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var admin = new NpgsqlConnectionStringBuilder(source.ConnectionString) { Database = "postgres", Pooling = false };
        await ExecuteAsync(admin, $"CREATE DATABASE \"{scratch}\" TEMPLATE template0", cancellationToken);
        try
        {
            var target = new NpgsqlConnectionStringBuilder(source.ConnectionString) { Database = scratch, Pooling = false };
            using (var restore = PostgresClientTools.Start("pg_restore", target, ["--dbname", scratch, "--exit-on-error", "--no-password"], writesInput: true))
            {
                var errors = restore.StandardError.ReadToEndAsync(cancellationToken);
                try
                {
                    await using var file = File.OpenRead(input);
                    await EncryptedBackupStream.DecryptAsync(file, restore.StandardInput.BaseStream, key, Path.GetFileName(input), cancellationToken);
                }
                catch (BackupException)
                {
                    restore.Kill();
                    throw;
                }
                finally
                {
                    restore.StandardInput.Close();
                }

                await PostgresClientTools.RequireSuccessAsync(restore, "pg_restore", errors, cancellationToken);
            }

            var expected = await ChecksumsAsync(source, tenantColumn, cancellationToken);
            var actual = await ChecksumsAsync(target, tenantColumn, cancellationToken);
            var differences = expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
                .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k))
                .Select(k => $"{k}: source {expected.GetValueOrDefault(k) ?? "missing"}, restored {actual.GetValueOrDefault(k) ?? "missing"}")
                .ToList();
            foreach (var (what, value) in expected.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                output.WriteLine($"{(actual.GetValueOrDefault(what) == value ? "ok  " : "DIFF")}  {what}  {value}");
            }

            return differences;
        }
        finally
        {
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)", CancellationToken.None);
        }
    }

    private static async Task<Dictionary<string, string>> ChecksumsAsync(NpgsqlConnectionStringBuilder database, string tenantColumn, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var tables = new List<(string Name, bool Tenant)>();
        await using (var command = new NpgsqlCommand(TableChecksumSql, connection) { Parameters = { new() { Value = tenantColumn } } })
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

    private static async Task ExecuteAsync(NpgsqlConnectionStringBuilder connection, string sql, CancellationToken cancellationToken)
    {
        await using var open = new NpgsqlConnection(connection.ConnectionString);
        await open.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, open);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
