using System.Text.RegularExpressions;
using PgTenancy.TestSupport;

namespace PgTenancy.Packaging.Tests.Guide;

/// <summary>
/// Follows the guide's steps in a folder as a reader would, with the two changes a test machine needs: PgTenancy's
/// packages are the packed feed's prerelease (named by <c>--version</c>), and global tools go to a folder of the test
/// (<c>--tool-path</c>, on the PATH) instead of the user's profile.
/// </summary>
internal sealed partial class GuideRunner(string root, string version, IReadOnlyDictionary<string, string> environment)
{
    private readonly string _tools = Path.Combine(root, "tools");
    private readonly string _cwdFile = Path.Combine(root, ".guide-cwd");

    /// <summary>The folder the reader is in now: the root at first, then wherever a step's <c>cd</c> left them.</summary>
    public string CurrentFolder { get; private set; } = root;

    /// <summary>The environment of every command: the given one, with the test's tool folder first on the PATH.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>(environment)
    {
        ["PATH"] = Path.Combine(root, "tools") + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH"),
    };

    /// <summary>Does <paramref name="step"/>; a failing command throws with the guide's line and the command's output.</summary>
    public async Task RunAsync(GuideScript.Step step)
    {
        switch (step)
        {
            case GuideScript.Shell shell:
                await RunShellAsync(shell);
                break;
            case GuideScript.WholeFile file:
                var path = Path.Combine(CurrentFolder, file.Path);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, file.Content);
                break;
            case GuideScript.MigrationMethods methods:
                FillMigration(methods);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, "A step the runner does not know.");
        }
    }

    private async Task RunShellAsync(GuideScript.Shell shell)
    {
        var commands = string.Join("\n", shell.Commands.Split('\n').Select(ForThisMachine));
        var script = $"set -euo pipefail\ncd '{CurrentFolder}'\n{commands}\npwd > '{_cwdFile}'\n";
        var (exitCode, output) = await ExternalCommand.RunAsync(CurrentFolder, Environment, ["bash", "-c", script], TimeSpan.FromMinutes(10));
        TestOutput($"$ {commands}\n{output}");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"docs/getting-started.md:{shell.Line}: the step failed ({exitCode}):\n{commands}\n{output}");
        }

        CurrentFolder = File.ReadAllText(_cwdFile).Trim();
    }

    /// <summary>One guide command as this machine runs it (see the class summary); every other command is left as written.</summary>
    internal string ForThisMachine(string command)
    {
        var pgtenancyPackage = PgTenancyPackage().Match(command);
        if (pgtenancyPackage.Success && !command.Contains("--version", StringComparison.Ordinal))
        {
            command = command.Insert(pgtenancyPackage.Index + pgtenancyPackage.Length, $" --version {version}");
        }

        return command.Replace("dotnet tool install --global", $"dotnet tool install --tool-path '{_tools}'", StringComparison.Ordinal);
    }

    /// <summary>Replaces the methods of the generated migration with the guide's, keeping its attributes, class and namespace.</summary>
    private void FillMigration(GuideScript.MigrationMethods step)
    {
        var folder = Path.Combine(CurrentFolder, Path.GetDirectoryName(step.Glob)!);
        var matches = Directory.GetFiles(folder, Path.GetFileName(step.Glob));
        if (matches.Length != 1)
        {
            throw new InvalidOperationException($"docs/getting-started.md:{step.Line}: {matches.Length} files match {step.Glob} in {CurrentFolder}; the step before should have generated one.");
        }

        var lines = File.ReadAllLines(matches[0]).ToList();
        var up = lines.FindIndex(l => l.TrimStart().StartsWith("protected override void Up(", StringComparison.Ordinal));
        if (up < 0)
        {
            throw new InvalidOperationException($"{matches[0]} has no Up method to fill in.");
        }

        var indent = lines[up][..(lines[up].Length - lines[up].TrimStart().Length)];
        var first = up > 0 && lines[up - 1].Trim() == "/// <inheritdoc />" ? up - 1 : up;

        // The closing braces after the methods (the class's, and a block namespace's) are less indented than the methods.
        var suffixStart = lines.Count;
        while (suffixStart > up && (lines[suffixStart - 1].Trim() is "" or "}") && IndentOf(lines[suffixStart - 1]) < indent.Length)
        {
            suffixStart--;
        }

        var methods = step.Methods.TrimEnd('\n').Split('\n').Select(l => l.Length == 0 ? l : indent + l);
        File.WriteAllLines(matches[0], [.. lines[..first], .. methods, .. lines[suffixStart..]]);
    }

    private static int IndentOf(string line) => line.Trim().Length == 0 ? 0 : line.Length - line.TrimStart().Length;

    private static void TestOutput(string text) => Xunit.TestContext.Current.TestOutputHelper?.WriteLine(text);

    [GeneratedRegex(@"dotnet (add package|tool install( --global)?) PgTenancy(\.[A-Za-z]+)?\b")]
    private static partial Regex PgTenancyPackage();
}
