using System.Globalization;
using System.Text.RegularExpressions;

namespace PgTenancy.Tool.Tests.Manifest;

/// <summary>One row of MANIFEST.md's table: a generated file, where it is installed, by whom it is owned, its mode.</summary>
internal sealed record InstallRow(string File, string InstallPath, string Owner, UnixFileMode Mode);

/// <summary>
/// MANIFEST.md as an operator reads it: the install table (rows with an install path on the host), the numbered steps
/// to apply the configuration, and the numbered steps of the pgBackRest section.
/// </summary>
internal sealed partial class ManifestDocument
{
    private ManifestDocument(IReadOnlyList<InstallRow> rows, IReadOnlyList<string> steps, IReadOnlyList<string> backupSteps)
    {
        Rows = rows;
        Steps = steps;
        BackupSteps = backupSteps;
    }

    /// <summary>Rows whose install path is on the database host (not "keep offline" or the administrator's machine).</summary>
    public IReadOnlyList<InstallRow> Rows { get; }

    /// <summary>"Steps, in order:", one string per numbered step (continuation lines joined).</summary>
    public IReadOnlyList<string> Steps { get; }

    /// <summary>The numbered steps of "Backups with pgBackRest"; empty without --pgbackrest.</summary>
    public IReadOnlyList<string> BackupSteps { get; }

    public static ManifestDocument Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var rows = lines
            .Select(line => TableRow().Match(line))
            .Where(match => match.Success && match.Groups["path"].Value.StartsWith('/'))
            .Select(match => new InstallRow(
                match.Groups["file"].Value.Split(' ')[0],
                match.Groups["path"].Value,
                match.Groups["owner"].Value.Split(' ')[0],
                (UnixFileMode)Convert.ToInt32(match.Groups["mode"].Value, 8)))
            .ToList();
        return new ManifestDocument(rows, NumberedSteps(lines, "Steps, in order:"), NumberedSteps(lines, "Backups with pgBackRest"));
    }

    /// <summary>The rows of the files <paramref name="step"/> names, in table order.</summary>
    public IReadOnlyList<InstallRow> RowsNamedIn(string step) =>
        [.. Rows.Where(row => step.Contains(row.File, StringComparison.Ordinal))];

    /// <summary>The commands of a step: its text in backquotes, in order.</summary>
    public static IReadOnlyList<string> Commands(string step) =>
        [.. Backquoted().Matches(step).Select(match => match.Groups[1].Value)];

    /// <summary>The one command of <paramref name="step"/> that starts with <paramref name="start"/>.</summary>
    public static string Command(string step, string start) =>
        Commands(step).SingleOrDefault(c => c.StartsWith(start, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"MANIFEST.md's step has no command starting '{start}':\n{step}");

    private static List<string> NumberedSteps(string[] lines, string heading)
    {
        var steps = new List<string>();
        var start = Array.FindIndex(lines, line => line.StartsWith(heading, StringComparison.Ordinal));
        if (start < 0)
        {
            return steps;
        }

        foreach (var line in lines.Skip(start + 1))
        {
            if (StepStart().Match(line) is { Success: true } match)
            {
                if (int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) != steps.Count + 1)
                {
                    throw new InvalidOperationException($"MANIFEST.md numbers its steps out of order at: {line}");
                }

                steps.Add(line[match.Length..]);
            }
            else if (line.StartsWith("   ", StringComparison.Ordinal) && steps.Count > 0)
            {
                steps[^1] += " " + line.Trim();
            }
            else if (steps.Count > 0)
            {
                break;
            }
        }

        return steps;
    }

    [GeneratedRegex(@"^\| (?<file>[^|]+?) \| (?<path>[^|]+?) \| (?<owner>[^|]+?) \| (?<mode>0[0-7]{3}) \|$")]
    private static partial Regex TableRow();

    [GeneratedRegex(@"^(\d+)\. ")]
    private static partial Regex StepStart();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backquoted();
}
