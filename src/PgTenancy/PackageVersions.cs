using System.Collections.Concurrent;
using System.Reflection;

namespace PgTenancy;

/// <summary>
/// PgTenancy's packages are released together and use each other's internals, so a mixed set (a newer PgTenancy beside
/// an older PgTenancy.EntityFrameworkCore) could fail anywhere with a MissingMethodException. Each package's entry points
/// call <see cref="EnsureSiblingsMatch"/> first, so such a set is refused at start with the fix instead.
/// </summary>
internal static class PackageVersions
{
    private static readonly ConcurrentDictionary<Assembly, string?> Checked = new();

    /// <summary>Throws when <paramref name="sibling"/> (a PgTenancy package's assembly) was built for another PgTenancy than the one loaded.</summary>
    /// <exception cref="TenancyConfigurationException">The versions differ; the message names both and the fix.</exception>
    public static void EnsureSiblingsMatch(Assembly sibling)
    {
        ArgumentNullException.ThrowIfNull(sibling);
        if (Checked.GetOrAdd(sibling, Mismatch) is { } message)
        {
            throw new TenancyConfigurationException(message);
        }
    }

    /// <summary>The package version an assembly was built as: its informational version without the commit (<c>+…</c>).</summary>
    public static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "unknown";
        var metadata = informational.IndexOf('+', StringComparison.Ordinal);
        return metadata < 0 ? informational : informational[..metadata];
    }

    private static string? Mismatch(Assembly sibling)
    {
        var core = typeof(PackageVersions).Assembly;
        var (coreVersion, siblingVersion) = (VersionOf(core), VersionOf(sibling));
        return coreVersion == siblingVersion
            ? null
            : $"{sibling.GetName().Name} {siblingVersion} needs PgTenancy {siblingVersion}, but PgTenancy {coreVersion} is loaded. "
                + "PgTenancy's packages are released together: reference one version of every PgTenancy package (PgTenancy, "
                + "PgTenancy.EntityFrameworkCore, PgTenancy.AspNetCore, PgTenancy.Doctor, PgTenancy.Testing), for example through one "
                + "MSBuild property or central package management, and fix NuGet's warning NU1608 if restore shows it.";
    }
}
