using System.Diagnostics;

namespace PgTenancy.Tool.Backups;

/// <summary>
/// Runs pgBackRest and the PostgreSQL server programs as the server's OS user: the tool's own user, or — when the tool
/// runs as root, which pg_ctl and postgres refuse and which would leave root-owned files in a repository pgBackRest
/// runs as <c>postgres</c> — as <c>postgres</c>, through <c>setpriv</c>.
/// </summary>
internal static class ServerUserCommand
{
    public const string ServerUser = "postgres";
    private const string SetPriv = "/usr/bin/setpriv";

    /// <summary>Whether commands run as another user (the tool runs as root).</summary>
    public static bool SwitchesUser => Environment.IsPrivilegedProcess;

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>; returns its exit code and output.</summary>
    /// <exception cref="BackupException">The program is not installed, or the user cannot be switched.</exception>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",   // a working directory under /root is not traversable by the server's user
        };
        if (SwitchesUser)
        {
            if (!File.Exists(SetPriv))
            {
                throw new BackupException($"The tool runs as root, and {program} must run as '{ServerUser}', but {SetPriv} (util-linux) is missing. Run the tool as '{ServerUser}'.");
            }

            start.FileName = SetPriv;
            foreach (var argument in new[] { $"--reuid={ServerUser}", $"--regid={ServerUser}", "--init-groups", "--reset-env", "--", program })
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = program;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new BackupException($"Could not start {program}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BackupException($"{program} could not be started ({e.Message}): is it installed (apt-get install pgbackrest postgresql-15)?");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new BackupException($"{Path.GetFileName(program)} did not finish within {timeout.TotalMinutes:0} minutes.");
            }

            return (process.ExitCode, ((await output) + (await error)).Trim());
        }
    }

    /// <summary>Gives the server's user a folder the tool made (when it switches user), so that pgBackRest and postgres can write there.</summary>
    public static void Own(string path)
    {
        if (!SwitchesUser || OperatingSystem.IsWindows())
        {
            return;
        }

        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", $"{ServerUser}:{ServerUser}", path]) { UseShellExecute = false })
            ?? throw new BackupException($"Could not give {path} to '{ServerUser}'.");
        chown.WaitForExit();
        if (chown.ExitCode != 0)
        {
            throw new BackupException($"Could not give {path} to the '{ServerUser}' OS user (chown exited {chown.ExitCode}).");
        }
    }
}
