using System.Text.RegularExpressions;

namespace PgTenancy.Packaging.Tests.Guide;

/// <summary>
/// What the getting-started guide tells a reader to do, in its order, read from the Markdown itself: the shell blocks to
/// run, the whole files to write (<c>&lt;!-- file: name --&gt;</c>) and the migration methods to fill in
/// (<c>&lt;!-- methods-of: glob --&gt;</c>). Blocks marked <c>&lt;!-- not-run: why --&gt;</c> are the ones a person runs
/// interactively; the guide's test does their work itself.
/// </summary>
internal static partial class GuideScript
{
    /// <summary>One thing the reader does.</summary>
    internal abstract record Step(int Line);

    /// <summary>Run these shell lines in the current folder (a <c>cd</c> carries over to the next step).</summary>
    internal sealed record Shell(int Line, string Commands) : Step(Line);

    /// <summary>Write <paramref name="Path"/>, relative to the current folder, with exactly <paramref name="Content"/>.</summary>
    internal sealed record WholeFile(int Line, string Path, string Content) : Step(Line);

    /// <summary>Replace the methods of the one file matching <paramref name="Glob"/> (a generated migration) with <paramref name="Methods"/>.</summary>
    internal sealed record MigrationMethods(int Line, string Glob, string Methods) : Step(Line);

    /// <summary>The steps of the Markdown file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">A marker the script does not know, or a C# block without one.</exception>
    public static IReadOnlyList<Step> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var steps = new List<Step>();
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = lines[i].Trim();
            if (!fence.StartsWith("```", StringComparison.Ordinal) || fence == "```")
            {
                continue;
            }

            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            var code = string.Join("\n", lines[(i + 1)..end]) + "\n";
            var markers = lines[Math.Max(0, i - 2)..i].Select(l => Marker().Match(l)).Where(m => m.Success)
                .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
            var line = i + 1;
            i = end;

            if (markers.ContainsKey("not-run"))
            {
                continue;
            }

            if (markers.TryGetValue("file", out var file))
            {
                steps.Add(new WholeFile(line, file, code));
            }
            else if (markers.TryGetValue("methods-of", out var glob))
            {
                steps.Add(new MigrationMethods(line, glob, code));
            }
            else if (fence == "```bash")
            {
                steps.Add(new Shell(line, code));
            }
            else if (fence == "```csharp")
            {
                // The guide's other C# blocks are compiled snippets that show an API next to the steps, not steps.
                continue;
            }
            else
            {
                throw new InvalidOperationException($"{path}:{line}: a {fence} block the guide's test does not know how to follow.");
            }
        }

        return steps;
    }

    [GeneratedRegex(@"^\s*<!-- (file|methods-of|not-run|snippet): (.+?) -->\s*$")]
    private static partial Regex Marker();
}
