using System.Text.RegularExpressions;
using Xunit;

namespace PgTenancy.Docs.Tests;

/// <summary>
/// Every C# block of the READMEs (repository, packages, samples) and docs/ is marked <c>&lt;!-- snippet: name --&gt;</c> and shows exactly the
/// <c>#region name</c> of a file in Snippets/, which this project compiles: no C# in the docs that does not build. The one
/// exception are the whole files of the getting-started guide (marked <c>&lt;!-- file: name --&gt;</c>), which the guide's
/// test in PgTenancy.Packaging.Tests writes into a new application, builds and runs.
/// </summary>
public sealed partial class DocsSnippetTests
{
    private const string Fix = "run python3 eng/update-docs-snippets.py after editing the region";

    private static readonly string Root = DocsFiles.Root;

    /// <summary>The snippet regions, read once for all the tests here.</summary>
    private static readonly Dictionary<string, string> Regions = ReadRegions();

    public static TheoryData<string> MarkdownFiles => [.. DocsFiles.All];

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void Each_csharp_block_is_a_compiled_snippet(string file)
    {
        var problems = Blocks(file).Select(block => Problem(file, block)).OfType<string>().ToList();

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    [Fact]
    public void Every_snippet_region_is_shown_somewhere()
    {
        var shown = DocsFiles.All.SelectMany(Blocks).Select(b => b.Name).ToHashSet();

        var unshown = Regions.Keys.Where(name => !shown.Contains(name)).ToList();
        Assert.True(unshown.Count == 0, $"Regions that no Markdown file shows (show them or delete them): {string.Join(", ", unshown)}");
    }

    [Fact]
    public void The_checker_sees_the_docs_blocks()
    {
        // Guards the checker itself: were its patterns to match nothing, every other test here would pass vacuously.
        Assert.True(Regions.Count >= 10);
        Assert.Contains(Blocks("README.md"), b => b.Name == "readme-example");
    }

    /// <summary>The Markdown file whose whole-file blocks a test executes (GuideTests).</summary>
    private const string ExecutedGuide = "docs/getting-started.md";

    private sealed record Block(int Line, string? Name, string Code, bool WholeFile = false);

    /// <summary>What is wrong with <paramref name="block"/>, or null when it shows its region exactly.</summary>
    private static string? Problem(string file, Block block) =>
        block.WholeFile
            ? file == ExecutedGuide ? null : $"{file}:{block.Line}: a <!-- file: --> block outside {ExecutedGuide}, which no test executes. Use a snippet."
        : block.Name is null
            ? $"{file}:{block.Line}: a C# block without a snippet marker. Move the code into a #region of tests/PgTenancy.Docs.Tests/Snippets and put <!-- snippet: name --> above a ```csharp block."
            : !Regions.TryGetValue(block.Name, out var region)
                ? $"{file}:{block.Line}: snippet '{block.Name}' has no #region in tests/PgTenancy.Docs.Tests/Snippets."
                : block.Code != region
                    ? $"{file}:{block.Line}: snippet '{block.Name}' differs from its region ({Fix}). The region reads:\n{region}"
                    : null;

    private static List<Block> Blocks(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, file));
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = lines[i].Trim();
            if (fence is "```cs" or "```c#" or "```C#")
            {
                blocks.Add(new Block(i + 1, null, "")); // C# under another fence name: reported as unmarked, to be written ```csharp
                continue;
            }

            if (fence != "```csharp")
            {
                continue;
            }

            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            var marker = i > 0 ? SnippetMarker().Match(lines[i - 1]) : Match.Empty;
            var wholeFile = i > 0 && FileMarker().IsMatch(lines[i - 1]);
            blocks.Add(new Block(i + 1, marker.Success ? marker.Groups[1].Value : null, string.Join("\n", lines[(i + 1)..end]), wholeFile));
            i = end;
        }

        return blocks;
    }

    /// <summary>The regions of Snippets/*.cs by name, their lines dedented to the least indented one.</summary>
    private static Dictionary<string, string> ReadRegions()
    {
        var regions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(Path.Combine(Root, "tests", "PgTenancy.Docs.Tests", "Snippets"), "*.cs"))
        {
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                if (RegionStart().Match(lines[i]) is not { Success: true } start)
                {
                    continue;
                }

                var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "#endregion");
                var body = lines[(i + 1)..end];
                var indent = body.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
                regions.Add(start.Groups[1].Value, string.Join("\n", body.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.Trim())));
                i = end;
            }
        }

        return regions;
    }

    [GeneratedRegex(@"^\s*<!-- snippet: ([a-z0-9-]+) -->\s*$")]
    private static partial Regex SnippetMarker();

    [GeneratedRegex(@"^\s*<!-- file: \S+ -->\s*$")]
    private static partial Regex FileMarker();

    [GeneratedRegex(@"^\s*#region ([a-z0-9-]+)\s*$")]
    private static partial Regex RegionStart();
}
