using Xunit;

namespace PgTenancy.Tests;

/// <summary>PgTenancy's packages are one release: an assembly built for another PgTenancy is refused with the fix.</summary>
public sealed class PackageVersionsTests
{
    [Fact]
    public void An_assembly_of_another_version_is_refused_naming_both_versions_and_the_fix()
    {
        var other = typeof(Xunit.FactAttribute).Assembly;

        var error = Assert.Throws<TenancyConfigurationException>(() => PackageVersions.EnsureSiblingsMatch(other));

        Assert.Contains($"{other.GetName().Name} {PackageVersions.VersionOf(other)} needs PgTenancy {PackageVersions.VersionOf(other)}", error.Message);
        Assert.Contains($"but PgTenancy {PackageVersions.VersionOf(typeof(TenantId).Assembly)} is loaded", error.Message);
        Assert.Contains("reference one version of every PgTenancy package", error.Message);
    }

    [Fact]
    public void The_version_is_the_informational_version_without_the_commit()
    {
        var version = PackageVersions.VersionOf(typeof(TenantId).Assembly);

        Assert.DoesNotContain("+", version);
        Assert.Matches(@"^\d+\.\d+\.\d+", version);
    }
}
