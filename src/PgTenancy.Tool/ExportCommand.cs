using System.CommandLine;
using System.Text.RegularExpressions;
using Npgsql;
using PgTenancy.Tool.Backups;

namespace PgTenancy.Tool;

/// <summary><c>pgtenancy export</c>: one tenant's rows as JSON lines, read as the application role under row-level security.</summary>
internal static partial class ExportCommand
{
    /// <summary>The <c>export</c> command, its options and its action.</summary>
    public static Command Definition(TextWriter output, TextWriter error)
    {
        var command = new Command("export", "One tenant's rows as JSON lines ({\"table\": …, \"row\": {…}}), read as the application role under row-level security, for data portability requests. The file is written with mode 0600.")
        {
            CommandOptions.Value("--connection", "An Npgsql connection string for the application role (not a superuser: RLS must apply; required)."),
            CommandOptions.Value("--tenant", "The tenant whose rows to export (required)."),
            CommandOptions.Value("--output", "The file to write (required)."),
            CommandOptions.Value("--tenant-kind", "The kind of tenant id (default uuid).", "uuid", "bigint", "text"),
            CommandOptions.Value("--tenant-column", "Tables with this column are exported (default tenant_id)."),
            CommandOptions.Value("--tables", "Only these tables, comma-separated (table or schema.table)."),
        };
        command.SetAction((parsed, _) => RunAsync(new CommandOptions(parsed), output, error));
        return command;
    }

    private static async Task<int> RunAsync(CommandOptions options, TextWriter output, TextWriter error)
    {
        try
        {
            var kind = (options["--tenant-kind"] ?? "uuid") switch
            {
                "uuid" => TenantIdKind.Uuid,
                "bigint" => TenantIdKind.BigInt,
                "text" => TenantIdKind.Text,
                var other => throw new BackupException($"--tenant-kind \"{other}\" is not a kind: use uuid, bigint or text."),
            };
            if (!TenantId.TryParse(options.Required("--tenant", "the tenant whose rows to export"), kind, out var tenant))
            {
                throw new BackupException($"--tenant \"{options["--tenant"]}\" is not a {kind} tenant id.");
            }

            var tables = options["--tables"]?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Quoted).ToList();
            var target = options.Required("--output", "the file to write");
            var counts = await TenantExport.WriteAsync(
                options.Required("--connection", "an Npgsql connection string for the application role (not a superuser: RLS must apply)"),
                tenant, options["--tenant-column"] ?? TenancyDefaults.TenantColumn, tables, target, CancellationToken.None);
            foreach (var (table, count) in counts)
            {
                output.WriteLine($"{table}: {count} rows");
            }

            output.WriteLine($"Wrote tenant {tenant}'s rows to {target}.");
            return 0;
        }
        catch (Exception e) when (e is BackupException or CommandLineException or IOException or UnauthorizedAccessException or NpgsqlException or InvalidOperationException or ArgumentException)
        {
            return Fail(error, e.Message);
        }
    }

    private static string Quoted(string table) =>
        TableName().IsMatch(table)
            ? string.Join('.', table.Split('.').Select(p => "\"" + p + "\""))
            : throw new BackupException($"--tables \"{table}\" is not a table name: use table or schema.table (letters, digits, underscores).");

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"pgtenancy export: {message}");
        return CommandLine.UsageError;
    }

    [GeneratedRegex("^([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex TableName();
}
