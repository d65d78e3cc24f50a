using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace PgTenancy.Docs.Tests;

/// <summary>
/// Relative links in the READMEs and docs/ lead somewhere: the file exists, and an anchor names a
/// heading of it (GitHub's slugs). The doctor's SARIF help anchors are checked beside the checks, in
/// PgTenancy.Doctor.Tests' DocumentationTests.
/// </summary>
public sealed partial class DocsLinkTests
{
    private static readonly string Root = DocsFiles.Root;

    public static TheoryData<string> MarkdownFiles => [.. DocsFiles.All];

    [Theory]
    [MemberData(nameof(MarkdownFiles))]
    public void Relative_links_reach_a_file_and_heading(string file)
    {
        var folder = Path.GetDirectoryName(Path.Combine(Root, file))!;
        var broken = new List<string>();
        foreach (Match link in MarkdownLink().Matches(File.ReadAllText(Path.Combine(Root, file))))
        {
            var target = link.Groups[1].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var (path, anchor) = target.Split('#', 2) is [var p, var a] ? (p, a) : (target, null);
            var resolved = path.Length == 0 ? Path.Combine(Root, file) : Path.GetFullPath(Path.Combine(folder, path));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
            {
                broken.Add($"{target}: no such file");
            }
            else if (anchor is not null && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(resolved).Contains(anchor))
            {
                broken.Add($"{target}: no heading with that anchor in {Path.GetRelativePath(Root, resolved)}");
            }
        }

        Assert.True(broken.Count == 0, $"{file} has broken links:\n" + string.Join("\n", broken));
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in File.ReadLines(markdown))
        {
            inFence ^= line.TrimStart().StartsWith("```", StringComparison.Ordinal);
            if (inFence || !line.StartsWith('#'))
            {
                continue;
            }

            var slug = new StringBuilder();
            foreach (var c in line.TrimStart('#').Trim().ToLowerInvariant())
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }

            anchors.Add(slug.ToString());
        }

        return anchors;
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}
