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

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
