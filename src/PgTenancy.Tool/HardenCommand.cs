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
    public const string Usage = """
        pgtenancy harden --output <folder> [--input <file.json>] [options]

          --input <file>           Hardening input (JSON; see docs/hardening.md). Flags below override its values.
          --output <folder>        Where to write pg_hba.conf, pgtenancy-hardening.conf, roles.sql, pgbouncer.ini,
                                   MANIFEST.md (and certificates with --dev-ca, userlist.txt with --connection).
          --database <name>        The application database.
          --app-cidr <cidr>        A network the application connects from (repeat for several).
          --admin-host <cidr>      The administrator's host: remote superuser login with a client certificate only.
          --replication-cidr <cidr> The standbys' network, for a replication rule.
          --app-role <name>        The application role (default app).
          --cert-file <path>, --key-file <path>, --ca-file <path>
                                   The server certificate, its key and the CA (or --dev-ca).
          --audited-table <name>   A table whose every use pgaudit logs (repeat for several).
          --layout debian|rhel     Install paths to use (default debian).
          --dev-ca                 Generate a throwaway CA and certificates (development and tests only).
          --connection <string>    A superuser connection: also write PgBouncer's userlist.txt from the server's
                                   SCRAM secrets (after roles.sql ran and passwords are set).
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var options = CommandOptions.Parse(
            args,
            ["--input", "--output", "--database", "--app-cidr", "--admin-host", "--layout", "--connection", "--replication-cidr", "--app-role", "--cert-file", "--key-file", "--ca-file", "--audited-table"],
            out var problem,
            flags: ["--dev-ca"]);
        if (options is null)
        {
            return Fail(error, problem);
        }

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

            var files = HardenedConfiguration.Generate(input, userList);
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
        AuditedTables = options.All("--audited-table") ?? input.AuditedTables,
        Layout = options["--layout"] switch
        {
            null => input.Layout,
            "debian" => ServerLayout.Debian,
            "rhel" => ServerLayout.Rhel,
            var other => throw new HardeningInputException($"--layout \"{other}\" is not a layout: use debian or rhel."),
        },
    };

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"pgtenancy harden: {message}");
        return CommandLine.UsageError;
    }
}
