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

            var expected = await TableChecksums.ReadAsync(source, tenantColumn, cancellationToken);
            var actual = await TableChecksums.ReadAsync(target, tenantColumn, cancellationToken);
            return TableChecksums.Compare(expected, actual, output);
        }
        finally
        {
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{scratch}\" WITH (FORCE)", CancellationToken.None);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnectionStringBuilder connection, string sql, CancellationToken cancellationToken)
    {
        await using var open = new NpgsqlConnection(connection.ConnectionString);
        await open.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, open);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
