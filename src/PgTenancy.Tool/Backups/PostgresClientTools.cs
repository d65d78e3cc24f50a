using System.Diagnostics;
using Npgsql;

namespace PgTenancy.Tool.Backups;

/// <summary>
/// Runs pg_dump and pg_restore with the connection's settings in libpq's environment variables (the password too, so
/// it never appears on a command line other users can list), streaming their standard input or output.
/// </summary>
internal static class PostgresClientTools
{
    public static Process Start(string tool, NpgsqlConnectionStringBuilder connection, IEnumerable<string> arguments, bool writesInput)
    {
        // The tool on the PATH, else in the newest PostgreSQL installation.
        var start = new ProcessStartInfo(Programs.Find(tool, Programs.PostgresBinFolders(), foldersFirst: false, "the PostgreSQL client (apt-get install postgresql-client-15)"))
        {
            RedirectStandardOutput = !writesInput,
            RedirectStandardInput = writesInput,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGHOST"] = connection.Host;
        start.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = connection.Username;
        start.Environment["PGPASSWORD"] = connection.Password;
        start.Environment["PGDATABASE"] = connection.Database;
        start.Environment["PGSSLMODE"] = connection.SslMode switch
        {
            SslMode.VerifyFull => "verify-full",
            SslMode.VerifyCA => "verify-ca",
            SslMode.Require => "require",
            SslMode.Disable => "disable",
            _ => "prefer",
        };
        if (connection.RootCertificate is { } root)
        {
            start.Environment["PGSSLROOTCERT"] = root;
        }

        if (connection.SslCertificate is { } certificate)
        {
            start.Environment["PGSSLCERT"] = certificate;
            start.Environment["PGSSLKEY"] = connection.SslKey;
        }

        return Process.Start(start) ?? throw new BackupException($"Could not start {tool}.");
    }

    /// <summary>Waits for the tool and turns a failure into an error with its own message.</summary>
    public static async Task RequireSuccessAsync(Process process, string tool, Task<string> standardError, CancellationToken cancellationToken)
    {
        await process.WaitForExitAsync(cancellationToken);
        var errors = await standardError;
        if (process.ExitCode != 0)
        {
            throw new BackupException($"{tool} failed (exit code {process.ExitCode}): {errors.Trim()}");
        }
    }
}
