using System.Diagnostics;

namespace PgTenancy.Testing.Local;

/// <summary>Answers "is this PID still a live process?" and waits for processes to go away.</summary>
internal static class ProcessLiveness
{
    public static bool IsAlive(int pid)
    {
        // A zombie still has /proc/PID until its parent reaps it, but it no longer holds ports or files.
        var stat = $"/proc/{pid}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ', 2)[0];
            return state != "Z" && state != "X";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>Waits until every PID is gone; returns those still alive after <paramref name="timeout"/>.</summary>
    public static async Task<IReadOnlyList<int>> WaitForExitAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        var remaining = pids.Where(IsAlive).ToList();
        while (remaining.Count > 0 && watch.Elapsed < timeout)
        {
            await Task.Delay(50).ConfigureAwait(false);
            remaining = remaining.Where(IsAlive).ToList();
        }

        return remaining;
    }

    /// <summary>Sends a signal by PID; a process that is already gone is not an error.</summary>
    public static void Signal(int pid, string signal)
    {
        if (!IsAlive(pid))
        {
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        });
        kill?.WaitForExit();
    }
}
