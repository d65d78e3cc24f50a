using System.CommandLine;
using PgTenancy.Doctor.Hardening;
using Npgsql;
using PgTenancy.Doctor;

namespace PgTenancy.Tool;

/// <summary>
/// <c>pgtenancy harden</c>: writes the hardening guide's configuration from an input file and/or flags. Exit code 0
/// when the files are written, 2 when the input is refused or the tool could not do its job (nothing is written then).
/// </summary>
internal static class HardenCommand
{
    /// <summary>The <c>harden</c> command, its options and its action.</summary>
    public static Command Definition(TextWriter output, TextWriter error)
    {
        var command = new Command("harden", "Write the hardening guide's configuration: pg_hba.conf, pgtenancy-hardening.conf, roles.sql, pgbouncer.ini and MANIFEST.md (the order to apply them in). Exit 0: written; 2: refused, nothing written.")
        {
            CommandOptions.Value("--output", "Where to write the files (required)."),
            CommandOptions.Value("--input", "Hardening input (JSON; see docs/hardening.md). The options below override its values."),
            CommandOptions.Value("--database", "The application database."),
            CommandOptions.Repeatable("--app-cidr", "A network the application connects from."),
            CommandOptions.Value("--admin-host", "The administrator's host: remote superuser login with a client certificate only."),
            CommandOptions.Value("--replication-cidr", "The standbys' network, for a replication rule."),
            CommandOptions.Value("--app-role", "The application role (default app)."),
            CommandOptions.Value("--cert-file", "The server certificate (or --dev-ca)."),
            CommandOptions.Value("--key-file", "The server certificate's key (or --dev-ca)."),
            CommandOptions.Value("--ca-file", "The CA that signed the certificates (or --dev-ca)."),
            CommandOptions.Repeatable("--audited-table", "A table whose every use pgaudit logs."),
            CommandOptions.Value("--layout", "Install paths to use (default debian).", "debian", "rhel"),
            CommandOptions.Flag("--dev-ca", "Generate a throwaway CA and certificates (development and tests only); a later run into the same folder keeps them."),
            CommandOptions.Value("--connection", "A superuser connection: also write PgBouncer's userlist.txt from the server's SCRAM secrets (after roles.sql ran and passwords are set)."),
            CommandOptions.Flag("--pgbackrest", "Also write pgBackRest's configuration (encrypted repository) and WAL archiving into it (settings in the input's pgBackRest section)."),
            CommandOptions.Value("--backup-passphrase-file", "A file holding the pgBackRest repository passphrase (at least 20 characters; implies --pgbackrest): written into its own 0600 include file, never printed."),
        };
        command.SetAction((parsed, _) => RunAsync(new CommandOptions(parsed), output, error));
        return command;
    }

    private static async Task<int> RunAsync(CommandOptions options, TextWriter output, TextWriter error)
    {
        if (options["--output"] is not { } outputFolder)
        {
            return Fail(error, "--output is required: the folder to write the configuration into.");
        }

        try
        {
            var input = options["--input"] is { } file ? await HardenedConfiguration.LoadInputAsync(file).ConfigureAwait(false) : new HardeningInput();
            input = Override(input, options);
            HardeningFile? userList = null;
            if (options["--connection"] is { } connection)
            {
                await using var superuser = NpgsqlDataSource.Create(connection);
                userList = await HardenedConfiguration.PgBouncerUserListAsync(superuser, input).ConfigureAwait(false);
            }

            var passphrase = options["--backup-passphrase-file"] is { } passphraseFile ? await ReadPassphraseAsync(passphraseFile).ConfigureAwait(false) : null;
            var keptCa = input.GenerateDevCa ? DevCertificateAuthority.Read(outputFolder) : null;
            var files = HardenedConfiguration.Generate(input, userList, keptCa, passphrase);
            if (keptCa is not null)
            {
                output.WriteLine($"Kept the development CA and certificates already in {outputFolder} (the server and its clients trust them); delete them to make new ones.");
            }

            await HardenedConfiguration.WriteAsync(files, outputFolder).ConfigureAwait(false);
            foreach (var written in files)
            {
                output.WriteLine($"{Path.Combine(outputFolder, written.Name)}  →  {written.InstallPath}");
            }

            output.WriteLine($"Wrote {files.Count} files. Apply them in the order MANIFEST.md gives.");
            return 0;
        }
        catch (HardeningInputException e)
        {
            return Fail(error, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NpgsqlException or ArgumentException)
        {
            return Fail(error, e.Message);
        }
    }

    private static HardeningInput Override(HardeningInput input, CommandOptions options) => input with
    {
        Database = options["--database"] ?? input.Database,
        AppRole = options["--app-role"] ?? input.AppRole,
        AppCidrs = options.All("--app-cidr") ?? input.AppCidrs,
        AdminHost = options["--admin-host"] ?? input.AdminHost,
        ReplicationCidr = options["--replication-cidr"] ?? input.ReplicationCidr,
        CertificateFile = options["--cert-file"] ?? input.CertificateFile,
        KeyFile = options["--key-file"] ?? input.KeyFile,
        CaFile = options["--ca-file"] ?? input.CaFile,
        GenerateDevCa = options.Has("--dev-ca") || input.GenerateDevCa,
        PgBackRest = input.PgBackRest ?? (options.Has("--pgbackrest") || options["--backup-passphrase-file"] is not null ? new PgBackRestInput() : null),
        AuditedTables = options.All("--audited-table") ?? input.AuditedTables,
        Layout = options["--layout"] switch
        {
            null => input.Layout,
            "debian" => ServerLayout.Debian,
            "rhel" => ServerLayout.Rhel,
            var other => throw new HardeningInputException($"--layout \"{other}\" is not a layout: use debian or rhel."),
        },
    };

    /// <summary>The repository passphrase in <paramref name="path"/>: one line, long enough to resist guessing.</summary>
    private static async Task<string> ReadPassphraseAsync(string path)
    {
        var passphrase = (await File.ReadAllTextAsync(path).ConfigureAwait(false)).Trim();
        return passphrase.Length >= 20 && !passphrase.Any(char.IsControl)
            ? passphrase
            : throw new HardeningInputException([$"--backup-passphrase-file {path}: the passphrase must be one line of at least 20 characters (openssl rand -base64 48 makes one)."]);
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"pgtenancy harden: {message}");
        return CommandLine.UsageError;
    }
}
