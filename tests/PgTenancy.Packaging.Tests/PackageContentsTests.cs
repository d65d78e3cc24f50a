using System.IO.Compression;
using System.Xml.Linq;
using Xunit;

namespace PgTenancy.Packaging.Tests;

/// <summary>What a package page and a debugger show: metadata, README, XML docs, symbols with source links.</summary>
public sealed class PackageContentsTests(PackedFeed feed)
{
    public static TheoryData<string> Packages => [.. PackedFeed.PackageIds];

    [Theory]
    [MemberData(nameof(Packages))]
    public void Each_package_carries_its_metadata_readme_and_symbols(string id)
    {
        using var package = ZipFile.OpenRead(feed.PackageFile(id));
        var nuspec = Nuspec(package, id);
        string Element(string name) => nuspec.Descendants().Single(e => e.Name.LocalName == name).Value;

        Assert.Equal(id, Element("id"));
        Assert.Equal(feed.Version, Element("version"));
        Assert.Equal("MIT", Element("license"));
        Assert.Equal("README.md", Element("readme"));
        Assert.Contains("row-level-security", Element("tags"), StringComparison.Ordinal);
        Assert.True(Element("description").Length > 40, $"{id}: the description is too short to tell what the package does.");
        var repository = nuspec.Descendants().Single(e => e.Name.LocalName == "repository");
        Assert.Equal("https://github.com/pgtenancy/pgtenancy", repository.Attribute("url")?.Value);
        Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");
        using (var readme = new StreamReader(package.GetEntry("README.md")!.Open()))
        {
            // The package page has no docs/ folder beside it: every link must be absolute.
            var relative = System.Text.RegularExpressions.Regex.Matches(readme.ReadToEnd(), @"\]\(([^)]+)\)").Select(m => m.Groups[1].Value).Where(l => !l.StartsWith("https://", StringComparison.Ordinal)).ToList();
            Assert.True(relative.Count == 0, $"{id}: the package README has relative links: {string.Join(", ", relative)}");
        }

        var libraryFolder = id == "PgTenancy.Tool" ? "tools/net10.0/any/" : "lib/net10.0/";
        Assert.NotNull(package.GetEntry($"{libraryFolder}{id}.dll"));
        if (id != "PgTenancy.Tool")
        {
            Assert.NotNull(package.GetEntry($"{libraryFolder}{id}.xml"));
        }

        using var symbols = ZipFile.OpenRead(feed.PackageFile(id, "snupkg"));
        Assert.Contains(symbols.Entries, e => e.FullName.EndsWith($"/{id}.pdb", StringComparison.Ordinal));
    }

    [Fact]
    public void Symbols_link_to_the_sources_of_the_packed_commit()
    {
        using var symbols = ZipFile.OpenRead(feed.PackageFile("PgTenancy", "snupkg"));
        using var pdb = new MemoryStream();
        using (var entry = symbols.Entries.Single(e => e.FullName.EndsWith("/PgTenancy.pdb", StringComparison.Ordinal)).Open())
        {
            entry.CopyTo(pdb);
        }

        // A portable PDB keeps the SourceLink map as JSON text in a custom debug information blob.
        var text = System.Text.Encoding.UTF8.GetString(pdb.ToArray());
        Assert.Matches("\"documents\":\\{\"[^\"]+\":\"https://raw.githubusercontent.com/pgtenancy/pgtenancy/[0-9a-f]{40}/\\*\"", text);
    }

    [Fact]
    public void The_tool_package_installs_the_pgtenancy_command()
    {
        using var package = ZipFile.OpenRead(feed.PackageFile("PgTenancy.Tool"));
        var nuspec = Nuspec(package, "PgTenancy.Tool");
        Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "packageType" && e.Attribute("name")?.Value == "DotnetTool");
        using var settings = package.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open();
        var command = XDocument.Load(settings).Descendants("Command").Single();
        Assert.Equal("pgtenancy", command.Attribute("Name")?.Value);
    }

    [Fact]
    public void The_ef_core_package_brings_dotnet_efs_design_time_services_to_every_consumer()
    {
        using var package = ZipFile.OpenRead(feed.PackageFile("PgTenancy.EntityFrameworkCore"));
        using var targets = package.GetEntry("buildTransitive/PgTenancy.EntityFrameworkCore.targets")!.Open();
        var attribute = XDocument.Load(targets).Descendants().Single(e => e.Name.LocalName == "AssemblyAttribute");
        Assert.Equal("Microsoft.EntityFrameworkCore.Design.DesignTimeServicesReferenceAttribute", attribute.Attribute("Include")?.Value);
    }

    private static XDocument Nuspec(ZipArchive package, string id)
    {
        using var stream = package.GetEntry($"{id}.nuspec")!.Open();
        return XDocument.Load(stream);
    }
}
