using System.Diagnostics;

namespace PgTenancy.TestSupport;

/// <summary>Runs programs as a user would from a shell (dotnet, the packed tool), for tests that work outside the solution.</summary>
public static class ExternalCommand
{
    /// <summary>The repository's root folder: the one above the test assembly that holds PgTenancy.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "PgTenancy.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("PgTenancy.sln was not found above the test assembly.");
    }

    /// <summary>
    /// Runs <paramref name="command"/> in <paramref name="folder"/> and returns its exit code and output (stdout, then
    /// stderr). Killed with its children after <paramref name="timeout"/> (default 5 minutes), which then throws.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string folder, IReadOnlyDictionary<string, string> environment, string[] command, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(command[0], command[1..])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // No build server, MSBuild node or compiler server outlives the command: a test run leaves nothing running.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"'{command[0]}' did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', command)}' did not finish in {timeout ?? TimeSpan.FromMinutes(5)}:\n{await output}\n{await error}");
        }

        return (process.ExitCode, await output + await error);
    }

    /// <summary>Like <see cref="RunAsync"/>, and throws with the command's output unless it exits 0.</summary>
    public static async Task<string> RunCheckedAsync(
        string folder, IReadOnlyDictionary<string, string> environment, string[] command, TimeSpan? timeout = null)
    {
        var (exitCode, output) = await RunAsync(folder, environment, command, timeout);
        return exitCode == 0 ? output : throw new InvalidOperationException($"'{string.Join(' ', command)}' failed ({exitCode}):\n{output}");
    }
}
