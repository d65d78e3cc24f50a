using System.Reflection;

namespace PgTenancy.Tool;

/// <summary>Parses the <c>pgtenancy</c> command line and dispatches to a command.</summary>
internal static class CommandLine
{
    /// <summary>Exit code for a command line that names no known command or option, or a tool error.</summary>
    public const int UsageError = 2;

    public static Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, bool colour = false)
    {
        ArgumentNullException.ThrowIfNull(args);
        switch (args.Count == 0 ? "--help" : args[0])
        {
            case "doctor":
                return DoctorCommand.RunAsync([.. args.Skip(1)], output, error, colour);
            case "harden":
                return HardenCommand.RunAsync([.. args.Skip(1)], output, error);
            case "backup":
                return BackupCommand.RunAsync([.. args.Skip(1)], output, error);
            case "export":
                return ExportCommand.RunAsync([.. args.Skip(1)], output, error);
            case "keys":
                return KeysCommand.RunAsync([.. args.Skip(1)], output, error);
            case "--help" or "-h" or "help":
                output.WriteLine(Usage);
                return Task.FromResult(0);
            case "--version":
                output.WriteLine(Version);
                return Task.FromResult(0);
            default:
                error.WriteLine($"pgtenancy: unknown command or option '{args[0]}'. Run 'pgtenancy --help' for the list.");
                return Task.FromResult(UsageError);
        }
    }

    public static string Version =>
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    private static string Usage => $"""
        pgtenancy {Version} — PostgreSQL multi-tenancy hardening for .NET

        Usage: pgtenancy <command> [options]

        Commands:
          doctor       Audit a live server's hardening and row-level-security posture.
          harden       Write the hardening guide's configuration (pg_hba.conf, TLS, pgaudit, roles, PgBouncer).
          backup       Encrypted backups (pg_dump + AES-256-GCM), keys, and restore verification.
          export       One tenant's rows as JSON lines, read under row-level security.
          keys         Install, list and retire the signing keys of the signed tenant context.

        {DoctorCommand.Usage}

        {HardenCommand.Usage}

        {BackupCommand.Usage}

        {ExportCommand.Usage}

        {KeysCommand.Usage}

        Options:
          --help       Show this help.
          --version    Show the tool's version.
        """;
}
