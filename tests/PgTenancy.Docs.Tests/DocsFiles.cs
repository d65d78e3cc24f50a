using PgTenancy.TestSupport;

namespace PgTenancy.Docs.Tests;

/// <summary>The Markdown a user reads: the READMEs (repository, packages, samples) and docs/, relative to the root.</summary>
internal static class DocsFiles
{
    public static readonly string Root = ExternalCommand.RepositoryRoot();

    public static IEnumerable<string> All =>
    [
        "README.md",
        "src/README.md",
        .. Relative(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md")),
        .. Relative(Directory.GetFiles(Path.Combine(Root, "samples"), "README.md", SearchOption.AllDirectories)),
    ];

    private static IEnumerable<string> Relative(string[] paths) =>
        paths.Select(p => Path.GetRelativePath(Root, p).Replace('\\', '/')).Order(StringComparer.Ordinal);
}
