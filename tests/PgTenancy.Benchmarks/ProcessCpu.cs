using System.Globalization;

namespace PgTenancy.Benchmarks;

/// <summary>CPU time of processes from /proc (Linux), in clock ticks: user + system, of a process or of a process tree.</summary>
internal static class ProcessCpu
{
    // sysconf(_SC_CLK_TCK) is 100 on Linux for every architecture .NET runs on.
    private const double TicksPerSecond = 100;

    public static double Seconds(long ticks) => ticks / TicksPerSecond;

    /// <summary>User + system ticks of <paramref name="pid"/>; 0 when there is no such process.</summary>
    public static long Ticks(int? pid) => pid is { } id && Stat(id) is { } stat ? stat.Own : 0;

    /// <summary>
    /// Ticks of <paramref name="pid"/>, its exited children (which it has reaped) and its live children: the whole
    /// server, whose backends come and go.
    /// </summary>
    public static long TreeTicks(int pid)
    {
        var root = Stat(pid) ?? throw new InvalidOperationException($"Process {pid} (the server) is not running.");
        var total = root.Own + root.Children;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var child)
                && child != pid && Stat(child) is { } stat && stat.Parent == pid)
            {
                total += stat.Own;
            }
        }

        return total;
    }

    private sealed record ProcessStat(int Parent, long Own, long Children);

    private static ProcessStat? Stat(int pid)
    {
        string line;
        try
        {
            line = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null; // exited meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) may hold spaces and parentheses: the fields after it start past the last ')'.
        var fields = line[(line.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return new ProcessStat((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
    }
}
