using System.IO.Compression;
using System.Text.RegularExpressions;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Packaging.Tests;

/// <summary>
/// The packages are pinned to each other's exact version, and use each other's internals: an application that mixes
/// versions (a newer PgTenancy beside an older PgTenancy.EntityFrameworkCore) is warned at restore and refused at start
/// with the fix, never left to fail later with a MissingMethodException.
/// </summary>
public sealed class SiblingVersionTests(PackedFeed feed)
{
    [Fact]
    public async Task Siblings_depend_on_each_other_at_exactly_their_own_version()
    {
        using var package = ZipFile.OpenRead(feed.PackageFile("PgTenancy.EntityFrameworkCore"));
        using var reader = new StreamReader(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        var nuspec = await reader.ReadToEndAsync();

        Assert.Contains($"<dependency id=\"PgTenancy\" version=\"[{feed.Version}]\"", nuspec, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_application_with_mixed_versions_is_warned_at_restore_and_refused_at_start_with_the_fix()
    {
        var newer = await feed.PackCoreAsync("0.1.1-mixed");
        var app = Path.Combine(feed.Root, "mixed-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "Mixed.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PgTenancy" Version="{newer}" />
                <PackageReference Include="PgTenancy.EntityFrameworkCore" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Microsoft.EntityFrameworkCore;
            var options = new DbContextOptionsBuilder().UseNpgsql("Host=127.0.0.1").UseTenancy().Options;
            using var context = new DbContext(options);
            _ = context.Model;
            Console.WriteLine("started");
            """);
        feed.WriteNuGetConfig(app);

        var build = await ExternalCommand.RunAsync(app, feed.Environment(), ["dotnet", "build", "-c", "Release", "-nologo"], TimeSpan.FromMinutes(8));
        var run = await ExternalCommand.RunAsync(app, feed.Environment(), ["dotnet", "run", "-c", "Release", "--no-build"], TimeSpan.FromMinutes(4));

        Assert.True(build.ExitCode == 0, build.Output);
        Assert.Contains("NU1608", build.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, run.ExitCode);
        Assert.DoesNotContain("started", run.Output, StringComparison.Ordinal);
        // The packages of one build carry that build's version (the feed repacks them under a fresh package version).
        Assert.Matches($@"PgTenancy\.EntityFrameworkCore (\S+) needs PgTenancy \1, but PgTenancy {Regex.Escape(newer)} is loaded", run.Output);
        Assert.Contains("reference one version of every PgTenancy package", run.Output, StringComparison.Ordinal);
    }
}
