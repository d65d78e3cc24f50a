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
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--dev-ca")
            {
                values[args[i]] = ["true"];
                continue;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                return Fail(error, $"'{args[i]}' is not an option with a value.");
            }

            if (args[i] is not ("--input" or "--output" or "--database" or "--app-cidr" or "--admin-host" or "--layout" or "--connection"
                or "--replication-cidr" or "--app-role" or "--cert-file" or "--key-file" or "--ca-file" or "--audited-table"))
            {
                return Fail(error, $"unknown option {args[i]}.");
            }

            (values.TryGetValue(args[i], out var list) ? list : values[args[i]] = []).Add(args[++i]);
        }

        if (!values.TryGetValue("--output", out var outputFolder))
        {
            return Fail(error, "--output is required: the folder to write the configuration into.");
        }

        try
        {
            var input = values.TryGetValue("--input", out var file) ? await HardenedConfiguration.LoadInputAsync(file[^1]).ConfigureAwait(false) : new HardeningInput();
            input = Override(input, values);
            HardeningFile? userList = null;
            if (values.TryGetValue("--connection", out var connection))
            {
                await using var superuser = NpgsqlDataSource.Create(connection[^1]);
                userList = await HardenedConfiguration.PgBouncerUserListAsync(superuser, input).ConfigureAwait(false);
            }

            var files = HardenedConfiguration.Generate(input, userList);
            await HardenedConfiguration.WriteAsync(files, outputFolder[^1]).ConfigureAwait(false);
            foreach (var written in files)
            {
                output.WriteLine($"{Path.Combine(outputFolder[^1], written.Name)}  →  {written.InstallPath}");
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

    private static HardeningInput Override(HardeningInput input, Dictionary<string, List<string>> values)
    {
        var layout = values.TryGetValue("--layout", out var l)
            ? l[^1] switch
            {
                "debian" => ServerLayout.Debian,
                "rhel" => ServerLayout.Rhel,
                _ => throw new HardeningInputException($"--layout \"{l[^1]}\" is not a layout: use debian or rhel."),
            }
            : input.Layout;
        return input with
        {
            Database = Last(values, "--database") ?? input.Database,
            AppRole = Last(values, "--app-role") ?? input.AppRole,
            AppCidrs = values.TryGetValue("--app-cidr", out var cidrs) ? cidrs : input.AppCidrs,
            AdminHost = Last(values, "--admin-host") ?? input.AdminHost,
            ReplicationCidr = Last(values, "--replication-cidr") ?? input.ReplicationCidr,
            CertificateFile = Last(values, "--cert-file") ?? input.CertificateFile,
            KeyFile = Last(values, "--key-file") ?? input.KeyFile,
            CaFile = Last(values, "--ca-file") ?? input.CaFile,
            GenerateDevCa = values.ContainsKey("--dev-ca") || input.GenerateDevCa,
            AuditedTables = values.TryGetValue("--audited-table", out var audited) ? audited : input.AuditedTables,
            Layout = layout,
        };
    }

    private static string? Last(Dictionary<string, List<string>> values, string name) => values.TryGetValue(name, out var list) ? list[^1] : null;

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"pgtenancy harden: {message}");
        return CommandLine.UsageError;
    }
}
