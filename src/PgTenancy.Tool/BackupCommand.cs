using Npgsql;
using PgTenancy.Tool.Backups;

namespace PgTenancy.Tool;

/// <summary>
/// <c>pgtenancy backup</c>, <c>backup key</c> and <c>backup verify</c>. Exit codes: 0 done (and, for verify, the
/// restore matches the source), 1 the restore differs from the source, 2 the tool could not do its job.
/// </summary>
internal static class BackupCommand
{
    public const string Usage = """
        pgtenancy backup key --output <key file>
          Creates a backup key: 32 random bytes, base64, mode 0600. Keep a copy apart from the backups.

        pgtenancy backup --connection <string> --key-file <file> --output <file>
          pg_dump (custom format) of the connection's database, encrypted with AES-256-GCM as it streams.

        pgtenancy backup verify --connection <string> --key-file <file> --input <file> [--tenant-column <name>]
          Restores the backup into a scratch database on the same server (superuser connection to the source
          database), compares every table's row count and checksum, per tenant where it has the tenant column
          (default tenant_id), and drops the scratch database.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var verb = args.Count > 0 && args[0] is "key" or "verify" ? args[0] : "create";
        var rest = verb == "create" ? args : [.. args.Skip(1)];
        var options = CommandOptions.Parse(rest, ["--connection", "--key-file", "--output", "--input", "--tenant-column"], out var problem);
        if (options is null)
        {
            return Fail(error, problem);
        }

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
