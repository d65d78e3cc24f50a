using System.CommandLine;
using Npgsql;
using PgTenancy.Doctor;
using PgTenancy.Doctor.Reporting;

namespace PgTenancy.Tool;

/// <summary>
/// <c>pgtenancy doctor</c>: runs the doctor against a live server and reports. Exit code 0 when nothing at or above
/// <c>--fail-on</c> was found, 1 when something was, 2 when the tool could not do its job (bad arguments, no connection).
/// </summary>
internal static class DoctorCommand
{
    public const string ConnectionVariable = "PGTENANCY_CONNECTION";
    public const int Clean = 0;
    public const int FindingsFound = 1;

    /// <summary>The <c>doctor</c> command, its options and its action.</summary>
    public static Command Definition(TextWriter output, TextWriter error, bool colour)
    {
        var command = new Command("doctor", "Audit a live server's hardening and row-level-security posture. Exit 0: nothing at or above --fail-on; 1: findings; 2: the tool could not do its job.")
        {
            CommandOptions.Value("--connection", $"Npgsql connection string of a role that can read the catalog (superuser for every check); default: the {ConnectionVariable} environment variable."),
            CommandOptions.Value("--app-role", "The role the application connects as (required)."),
            CommandOptions.Value("--tenant-column", "The tenant column (default tenant_id)."),
            CommandOptions.Value("--setting-name", "The tenant setting (default app.tenant_id)."),
            CommandOptions.Value("--pgbouncer-config", "Also check this pgbouncer.ini (auth, TLS both sides, listen address, consoles)."),
            CommandOptions.Value("--pgbackrest-config", "Also check this pgbackrest.conf: the repository encrypted, its passphrase not readable by others (BAK-02)."),
            CommandOptions.Value("--restore-report", "Also check this restore test report (pgtenancy backup verify --report): passed, at most 8 days old (BAK-03)."),
            CommandOptions.Value("--pgbackrest-info", "Also check this output of pgbackrest info --output=json: a successful backup of every stanza in the last 26 hours (BAK-04)."),
            CommandOptions.Value("--format", "Output format (default table).", "table", "json", "sarif", "junit"),
            CommandOptions.Value("--output", "Write the report to a file instead of standard output."),
            CommandOptions.Value("--fail-on", "Exit 1 on findings at or above this severity (default high).", "info", "low", "medium", "high", "critical"),
            CommandOptions.Value("--baseline", "Known findings to leave out: one fingerprint per line (from a JSON report); # comments."),
        };
        command.SetAction((parsed, _) => RunAsync(new CommandOptions(parsed), output, error, colour));
        return command;
    }

    private static async Task<int> RunAsync(CommandOptions options, TextWriter output, TextWriter error, bool colour)
    {
        var connection = options["--connection"] ?? Environment.GetEnvironmentVariable(ConnectionVariable);
        if (string.IsNullOrWhiteSpace(connection))
        {
            return Fail(error, $"no connection: pass --connection or set {ConnectionVariable}.");
        }

        if (options["--app-role"] is not { } appRole)
        {
            return Fail(error, "--app-role is required: the doctor checks the role the application connects as.");
        }

        var format = options["--format"] ?? "table";
        if (format is not ("table" or "json" or "sarif" or "junit"))
        {
            return Fail(error, $"--format {format} is not supported; use table, json, sarif or junit.");
        }

        HashSet<string> baseline = [];
        if (options["--baseline"] is { } baselinePath)
        {
            if (!File.Exists(baselinePath))
            {
                return Fail(error, $"--baseline {baselinePath} does not exist.");
            }

            baseline = [.. File.ReadLines(baselinePath).Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#'))];
        }

        if (!Enum.TryParse<Severity>(options["--fail-on"] ?? "high", ignoreCase: true, out var failOn) || !Enum.IsDefined(failOn))
        {
            return Fail(error, $"--fail-on {options["--fail-on"]} is not a severity; use info, low, medium, high or critical.");
        }

        DoctorReport report;
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connection);
            report = await TenancyDoctor.RunAsync(dataSource, new DoctorOptions
            {
                AppRole = appRole,
                TenantColumn = options["--tenant-column"] ?? TenancyDefaults.TenantColumn,
                SettingName = options["--setting-name"] ?? TenancyDefaults.SettingName,
                PgBouncerConfigPath = options["--pgbouncer-config"],
                PgBackRestConfigPath = options["--pgbackrest-config"],
                RestoreReportPath = options["--restore-report"],
                PgBackRestInfoPath = options["--pgbackrest-info"],
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or TimeoutException or IOException)
        {
            return Fail(error, $"could not check the server: {e.Message}");
        }

        report = report.Without(baseline);
        if (options["--output"] is { } path)
        {
            await using var file = File.Create(path);
            Write(report, format, file);
        }
        else if (format == "table")
        {
            TableReportWriter.Write(report, output, colour);
        }
        else
        {
            await using var buffer = new MemoryStream();
            Write(report, format, buffer);
            await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
        }

        return report.HasFindingsAtOrAbove(failOn) ? FindingsFound : Clean;
    }

    private static void Write(DoctorReport report, string format, Stream stream)
    {
        switch (format)
        {
            case "json":
                JsonReportWriter.Write(report, stream);
                break;
            case "sarif":
                SarifReportWriter.Write(report, stream);
                break;
            case "junit":
                JUnitReportWriter.Write(report, stream);
                break;
            default:
                using (var writer = new StreamWriter(stream, leaveOpen: true))
                {
                    TableReportWriter.Write(report, writer, colour: false);
                }

                break;
        }
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"pgtenancy doctor: {message}");
        return CommandLine.UsageError;
    }
}
