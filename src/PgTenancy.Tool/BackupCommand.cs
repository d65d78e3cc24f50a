using System.CommandLine;
using Npgsql;
using PgTenancy.Tool.Backups;

namespace PgTenancy.Tool;

/// <summary>
/// <c>pgtenancy backup</c>, <c>backup key</c> and <c>backup verify</c>. Exit codes: 0 done (and, for verify, the
/// restore matches the source), 1 the restore differs from the source, 2 the tool could not do its job.
/// </summary>
internal static class BackupCommand
{
    /// <summary>The <c>backup</c> command and its <c>key</c> and <c>verify</c> subcommands.</summary>
    public static Command Definition(TextWriter output, TextWriter error)
    {
        var key = new Command("key", "Create a backup key: 32 random bytes, base64, mode 0600. Keep a copy apart from the backups.")
        {
            CommandOptions.Value("--output", "The key file to create (required)."),
        };
        key.SetAction((parsed, _) => RunAsync("key", new CommandOptions(parsed), output, error));

        var verify = new Command("verify", "Restore a backup into a scratch database on the same server, compare every table's row count and checksum (per tenant where it has the tenant column) with the source, and drop the scratch database. Exit 0: it matches; 1: it differs; 2: the tool could not do its job.")
        {
            CommandOptions.Value("--connection", "A superuser connection string to the source database (required)."),
            CommandOptions.Value("--key-file", "The backup key (required)."),
            CommandOptions.Value("--input", "The backup file to verify (required)."),
            CommandOptions.Value("--tenant-column", "The tenant column (default tenant_id)."),
        };
        verify.SetAction((parsed, _) => RunAsync("verify", new CommandOptions(parsed), output, error));

        var backup = new Command("backup", "pg_dump (custom format) of the connection's database, encrypted with AES-256-GCM as it streams. Subcommands: key, verify.")
        {
            CommandOptions.Value("--connection", "An Npgsql connection string to the database (required)."),
            CommandOptions.Value("--key-file", "The backup key (pgtenancy backup key --output <file> creates one; required)."),
            CommandOptions.Value("--output", "The encrypted backup file to write (required)."),
            key,
            verify,
        };
        backup.SetAction((parsed, _) => RunAsync("create", new CommandOptions(parsed), output, error));
        return backup;
    }

    private static async Task<int> RunAsync(string verb, CommandOptions options, TextWriter output, TextWriter error)
    {
        try
        {
            switch (verb)
            {
                case "key":
                    var path = options.Required("--output", "the file to create the key in");
                    await BackupKey.CreateAsync(path, CancellationToken.None);
                    output.WriteLine($"Wrote a new backup key to {path} (mode 0600). Store a copy apart from the backups: without it they cannot be read.");
                    return 0;
                case "verify":
                    var differences = await RestoreVerifier.VerifyAsync(
                        Connection(options), await Key(options), options.Required("--input", "the backup file to verify"),
                        options["--tenant-column"] ?? TenancyDefaults.TenantColumn, output, CancellationToken.None);
                    if (differences.Count > 0)
                    {
                        error.WriteLine($"pgtenancy backup verify: the restored database differs from the source in {differences.Count} place(s):");
                        foreach (var difference in differences)
                        {
                            error.WriteLine("  " + difference);
                        }

                        return 1;
                    }

                    output.WriteLine("The backup restores, and every table (per tenant) matches the source.");
                    return 0;
                default:
                    var target = options.Required("--output", "the encrypted backup file to write");
                    var bytes = await BackupWriter.WriteAsync(Connection(options), await Key(options), target, CancellationToken.None);
                    output.WriteLine($"Wrote {target} ({bytes} bytes, AES-256-GCM). Check it restores: pgtenancy backup verify --input {target} …");
                    return 0;
            }
        }
        catch (Exception e) when (e is BackupException or CommandLineException or IOException or UnauthorizedAccessException or NpgsqlException or ArgumentException)
        {
            return Fail(error, e.Message);
        }
    }

    private static NpgsqlConnectionStringBuilder Connection(CommandOptions options) =>
        new(options.Required("--connection", "an Npgsql connection string to the database (a superuser for verify)"));

    private static Task<BackupKey> Key(CommandOptions options) =>
        BackupKey.ReadAsync(options.Required("--key-file", "the backup key (pgtenancy backup key --output <file> creates one)"), CancellationToken.None);

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"pgtenancy backup: {message}");
        return CommandLine.UsageError;
    }
}
