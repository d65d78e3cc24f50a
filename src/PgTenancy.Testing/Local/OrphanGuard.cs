using System.Diagnostics;
using System.Globalization;

namespace PgTenancy.Testing.Local;

/// <summary>
/// Makes sure no <c>postgres</c> or <c>pgbouncer</c> outlives the process that started it, even when that process is
/// killed: a detached watchdog stops the cluster as soon as its owner is gone, and every start first reaps the
/// folders of owners that died while their watchdog could not act (for example a machine restart).
/// </summary>
internal static class OrphanGuard
{
    // A shell loop in a process of its own: no managed code survives a SIGKILL of the test host.
    // It signals by PID read from the cluster's own PID files, so it can never stop a server it did not start.
    private const string WatchdogScript = """
        #!/usr/bin/env bash
        # PgTenancy.Testing watchdog: stops this throwaway cluster when the process that started it is gone.
        owner="$1"; dir="$2"
        while kill -0 "$owner" 2>/dev/null; do sleep 0.5; done
        pids=()
        if [ -f "$dir/pgbouncer.pid" ]; then p=$(head -n1 "$dir/pgbouncer.pid"); kill -TERM "$p" 2>/dev/null && pids+=("$p"); fi
        if [ -f "$dir/data/postmaster.pid" ]; then p=$(head -n1 "$dir/data/postmaster.pid"); kill -QUIT "$p" 2>/dev/null && pids+=("$p"); fi
        for i in $(seq 1 100); do
          alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
          [ "$alive" = 0 ] && break; sleep 0.1
        done
        for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
        rm -rf "$dir"
        """;

    /// <summary>Starts the watchdog for <paramref name="folder"/>; the caller kills it on a normal dispose.</summary>
    public static Process StartWatchdog(ClusterFolder folder, int ownerPid)
    {
        File.WriteAllText(folder.WatchdogScript, WatchdogScript.ReplaceLineEndings("\n") + "\n");

        // setsid: its own session and process group, so a Ctrl-C or a group kill aimed at the test run does not take
        // the watchdog down before it has cleaned up. It stays this process's child, so it is reaped here.
        var start = new ProcessStartInfo("setsid", ["/bin/bash", folder.WatchdogScript, ownerPid.ToString(CultureInfo.InvariantCulture), folder.Path])
        {
            UseShellExecute = false,
            WorkingDirectory = "/",
            RedirectStandardInput = true,
        };
        return Process.Start(start) ?? throw new PostgresServerException("Could not start the cluster watchdog (setsid /bin/bash).");
    }

    /// <summary>Stops and deletes every cluster under <see cref="ClusterFolder.Root"/> whose owner is gone.</summary>
    public static async Task ReapOrphansAsync()
    {
        var root = ClusterFolder.Root();
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var path in Directory.EnumerateDirectories(root))
        {
            var folder = ClusterFolder.Open(path);
            var owner = ClusterFolder.ReadPid(folder.OwnerPidFile);
            if (owner is { } pid && ProcessLiveness.IsAlive(pid))
            {
                continue;
            }

            if (owner is null && Directory.GetLastWriteTimeUtc(path) > DateTime.UtcNow.AddMinutes(-1))
            {
                continue; // a folder being created right now by another run
            }

            await StopProcessesAsync(folder).ConfigureAwait(false);
            DeleteFolder(path);
        }
    }

    /// <summary>Stops the PgBouncer and postmaster recorded in <paramref name="folder"/>, by PID, waiting for both.</summary>
    public static async Task StopProcessesAsync(ClusterFolder folder)
    {
        var stopped = new List<int>();
        if (ClusterFolder.ReadPid(folder.PgBouncerPidFile) is { } bouncer)
        {
            ProcessLiveness.Signal(bouncer, "TERM");
            stopped.Add(bouncer);
        }

        if (ClusterFolder.ReadPid(folder.PostmasterPidFile) is { } postmaster)
        {
            ProcessLiveness.Signal(postmaster, "QUIT"); // immediate shutdown: the cluster is thrown away anyway
            stopped.Add(postmaster);
        }

        foreach (var pid in await ProcessLiveness.WaitForExitAsync(stopped, TimeSpan.FromSeconds(10)).ConfigureAwait(false))
        {
            ProcessLiveness.Signal(pid, "KILL");
        }
    }

    /// <summary>Deletes a cluster folder; a folder already gone is not an error.</summary>
    public static void DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
