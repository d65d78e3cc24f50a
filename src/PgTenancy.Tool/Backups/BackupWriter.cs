using Npgsql;

namespace PgTenancy.Tool.Backups;

/// <summary>
/// <c>pgtenancy backup</c>: pg_dump in custom format, its output encrypted as it streams, into a file that appears
/// under its name only when complete. No unencrypted byte of the dump is written anywhere.
/// </summary>
internal static class BackupWriter
{
    public static async Task<long> WriteAsync(NpgsqlConnectionStringBuilder connection, BackupKey key, string output, CancellationToken cancellationToken)
    {
        var partial = output + ".partial";
        try
        {
            using var dump = PostgresClientTools.Start("pg_dump", connection, ["--format=custom", "--no-password"], writesInput: false);
            var errors = dump.StandardError.ReadToEndAsync(cancellationToken);
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var file = new FileStream(partial, options))
            {
                await EncryptedBackupStream.EncryptAsync(dump.StandardOutput.BaseStream, file, key, cancellationToken);
            }

            await PostgresClientTools.RequireSuccessAsync(dump, "pg_dump", errors, cancellationToken);
            File.Move(partial, output, overwrite: true);
            return new FileInfo(output).Length;
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
