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

        var verify = new Command("verify", "Restore a backup and compare every table's row count and checksum (per tenant where it has the tenant column) with the source. An encrypted dump (--input, --key-file) is restored into a scratch database on the same server; a pgBackRest backup (--stanza) into a scratch cluster in a private temporary folder, to its latest state or to --target-time. The scratch copy is removed in every case. Exit 0: it matches (or, to a point in time, it restored and started); 1: it differs; 2: the tool could not do its job.")
        {
            CommandOptions.Value("--connection", "A superuser connection string to the source database (required for a dump; for pgBackRest, to compare the latest state)."),
            CommandOptions.Value("--key-file", "The backup key of an encrypted dump."),
            CommandOptions.Value("--input", "The encrypted dump to verify."),
            CommandOptions.Value("--tenant-column", "The tenant column (default tenant_id)."),
            CommandOptions.Value("--stanza", "Verify the pgBackRest stanza's backup instead of a dump (run on the database host, as root or the server's OS user)."),
            CommandOptions.Value("--pgbackrest-config", "pgBackRest's configuration file (default: pgBackRest's own)."),
            CommandOptions.Value("--pgbackrest-include", "pgBackRest's configuration include folder, where the repository passphrase is (default: pgBackRest's own)."),
            CommandOptions.Value("--target-time", "Recover to this point in time (e.g. '2026-11-30 08:40:32+00') instead of the latest state; the rows are reported, not compared."),
            CommandOptions.Value("--database", "The database to read in the restored cluster (default: the --connection's)."),
            CommandOptions.Value("--report", "Also write the result to this file, for CI."),
            CommandOptions.Value("--report-format", "The --report's format (default json).", "json", "junit"),
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
                case "verify" when options["--stanza"] is not null:
                    return await VerifyPgBackRestAsync(options, output, error);
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

    private static async Task<int> VerifyPgBackRestAsync(CommandOptions options, TextWriter output, TextWriter error)
    {
        var source = options["--connection"] is { } connection ? new NpgsqlConnectionStringBuilder(connection) : null;
        var database = options["--database"] ?? source?.Database
            ?? throw new CommandLineException("--database (or --connection) is required: the database to read in the restored cluster.");
        var target = new PgBackRestTarget(options["--stanza"]!, options["--pgbackrest-config"], options["--pgbackrest-include"], options["--target-time"]);
        var result = await PgBackRestRestoreTest.RunAsync(target, source, database, options["--tenant-column"] ?? TenancyDefaults.TenantColumn, output, CancellationToken.None);
        if (options["--report"] is { } report)
        {
            await RestoreTestReport.WriteAsync(result, options["--report-format"] ?? "json", report, CancellationToken.None);
        }

        if (!result.Passed)
        {
            error.WriteLine($"pgtenancy backup verify: the restored cluster differs from the source in {result.Differences!.Count} place(s):");
            foreach (var difference in result.Differences)
            {
                error.WriteLine("  " + difference);
            }

            return 1;
        }

        output.WriteLine(result.Differences is null
            ? "The backup restores to that point and starts; the rows above are what it holds."
            : "The backup restores, and every table (per tenant) matches the source.");
        return 0;
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
