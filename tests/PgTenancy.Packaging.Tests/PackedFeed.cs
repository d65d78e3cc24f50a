using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Packaging.Tests;

/// <summary>
/// The solution's packages, packed once per test run into a folder outside the repository with a version no earlier run used, so
/// that no package cache can answer for them. Packs the build the tests run from (<c>./test.sh</c> builds Release).
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    /// <summary>Every package src/ ships, the tool included.</summary>
    public static readonly string[] PackageIds =
        ["PgTenancy", "PgTenancy.EntityFrameworkCore", "PgTenancy.AspNetCore", "PgTenancy.Doctor", "PgTenancy.Testing", "PgTenancy.Tool"];

    /// <summary>The <c>dotnet new</c> template package: no library, no symbols; TemplateTests checks it.</summary>
    public const string TemplatePackageId = "PgTenancy.Templates";

    public string Root { get; } = Directory.CreateTempSubdirectory("pgtenancy-consumer-").FullName;

    public string Folder => Path.Combine(Root, "feed");

    public string Version { get; } = $"0.1.0-consumer.{DateTime.UtcNow:yyyyMMddHHmmss}";

    /// <summary>The package file of <paramref name="id"/> (<c>.nupkg</c> or <c>.snupkg</c>).</summary>
    public string PackageFile(string id, string extension = "nupkg") => Path.Combine(Folder, $"{id}.{Version}.{extension}");

    public async ValueTask InitializeAsync()
    {
        // bin/<configuration>/net10.0/ of this test assembly names the configuration the solution was built in.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var solution = Path.Combine(ExternalCommand.RepositoryRoot(), "PgTenancy.sln");
        await ExternalCommand.RunCheckedAsync(Root, new Dictionary<string, string>(),
            ["dotnet", "pack", solution, "-c", configuration, "--no-build", "-o", Folder, $"-p:PackageVersion={Version}", "-nologo", "-v", "quiet"]);
    }

    /// <summary>
    /// Packs PgTenancy (the core package only) again, built as <paramref name="version"/> from a copy of its sources (the
    /// repository's build output is left alone), into the feed: a release that the other packages were not built with.
    /// </summary>
    public async Task<string> PackCoreAsync(string version)
    {
        var repository = ExternalCommand.RepositoryRoot();
        var copy = Path.Combine(Root, "core-" + version);
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig", "src/Directory.Build.props", "src/README.md" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, file))!);
            File.Copy(Path.Combine(repository, file), Path.Combine(copy, file));
        }

        var project = Path.Combine(repository, "src", "PgTenancy");
        foreach (var file in Directory.EnumerateFiles(project, "*", SearchOption.AllDirectories)
                     .Where(f => !Path.GetRelativePath(project, f).Split(Path.DirectorySeparatorChar)[0].Equals("bin", StringComparison.Ordinal)
                                 && !Path.GetRelativePath(project, f).Split(Path.DirectorySeparatorChar)[0].Equals("obj", StringComparison.Ordinal)))
        {
            var target = Path.Combine(copy, "src", "PgTenancy", Path.GetRelativePath(project, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        // The copy is not a git checkout: no source control information, so no SourceLink (the real packages have it).
        await ExternalCommand.RunCheckedAsync(copy, new Dictionary<string, string>(),
            ["dotnet", "pack", Path.Combine(copy, "src", "PgTenancy", "PgTenancy.csproj"), "-c", "Release", "-o", Folder, $"-p:Version={version}",
             "-p:EnableSourceControlManagerQueries=false", "-p:EnableSourceLink=false", "-p:ContinuousIntegrationBuild=false", "-nologo", "-v", "quiet"],
            TimeSpan.FromMinutes(5));
        return version;
    }

    /// <summary>
    /// The environment of a consumer's dotnet commands: packages restored for the consumer go to its own folder, so the
    /// packed ones cannot come from, nor stay in, a shared cache.
    /// </summary>
    public Dictionary<string, string> Environment() => new() { ["NUGET_PACKAGES"] = Path.Combine(Root, "packages") };

    /// <summary>
    /// A nuget.config for a consumer in <paramref name="folder"/>: PgTenancy packages from the packed folder only,
    /// third-party packages from the registry, read from the machine's cache first (a fallback folder).
    /// </summary>
    public void WriteNuGetConfig(string folder)
    {
        var machineCache = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="pgtenancy" value="{Folder}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="pgtenancy"><package pattern="PgTenancy.*" /><package pattern="PgTenancy" /></packageSource>
                <packageSource key="nuget.org"><package pattern="*" /></packageSource>
              </packageSourceMapping>
              <fallbackPackageFolders>
                <add key="machine" value="{machineCache}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
