using System.CommandLine;
using System.Reflection;

namespace PgTenancy.Tool;

/// <summary>
/// The <c>pgtenancy</c> command line, parsed by System.CommandLine: help for every command (<c>--help</c>), validation
/// of option values, suggestions for mistyped commands, and shell completion (<c>dotnet-suggest</c>). A command line
/// the tool cannot act on exits 2 with the reason and where to look; each command keeps its own exit codes.
/// </summary>
internal static class CommandLine
{
    /// <summary>Exit code for a command line that names no known command or option, or a tool error.</summary>
    public const int UsageError = 2;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, bool colour = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = new RootCommand("pgtenancy — PostgreSQL multi-tenancy hardening for .NET")
        {
            DoctorCommand.Definition(output, error, colour),
            HardenCommand.Definition(output, error),
            BackupCommand.Definition(output, error),
            ExportCommand.Definition(output, error),
            KeysCommand.Definition(output, error),
        };
        root.SetAction(_ =>
        {
            output.WriteLine(Usage);
            return 0;
        });

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            var command = CommandPath(parsed.CommandResult.Command, root);
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"{command}: {problem.Message}");
            }

            error.WriteLine($"Run '{command} --help' for the options{(command == "pgtenancy" ? " and the list of commands" : "")}.");
            return UsageError;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }).ConfigureAwait(false);
    }

    public static string Version =>
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    /// <summary>"pgtenancy backup verify", as the user typed it, for messages.</summary>
    private static string CommandPath(Command command, RootCommand root)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command c && c != root; symbol = c.Parents.FirstOrDefault())
        {
            names.Insert(0, c.Name);
        }

        return string.Join(' ', ["pgtenancy", .. names]);
    }

    private static string Usage => $"""
        pgtenancy {Version} — PostgreSQL multi-tenancy hardening for .NET

        Usage: pgtenancy <command> [options]   (pgtenancy <command> --help for a command's options)

        Commands:
          doctor       Audit a live server's hardening and row-level-security posture.
          harden       Write the hardening guide's configuration (pg_hba.conf, TLS, pgaudit, roles, PgBouncer).
          backup       Encrypted backups (pg_dump + AES-256-GCM), keys, and restore verification.
          export       One tenant's rows as JSON lines, read under row-level security.
          keys         Install, list and retire the signing keys of the signed tenant context.

        Options:
          --help       Show help (also after a command).
          --version    Show the tool's version.
        """;
}
