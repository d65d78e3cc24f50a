using System.Text.RegularExpressions;
using PgTenancy.Tool.Backups;

namespace PgTenancy.Tool.Tests.Manifest;

/// <summary>
/// The Debian database host MANIFEST.md speaks of, moved under a private folder so that a test can follow it without
/// touching this machine's /etc: each host folder the generated files name becomes the same path under
/// <see cref="Root"/>, and the cluster's data directory is the test cluster's. The generated files are installed with
/// their paths rewritten the same way, and pgBackRest is pointed at the moved configuration — the only changes made to
/// what <c>pgtenancy harden</c> wrote.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed partial class RelocatedHost : IDisposable
{
    private const string HostDataDirectory = "/var/lib/postgresql/15/main";

    private static readonly string[] HostFolders =
        ["/etc/postgresql/15/main/conf.d", "/etc/postgresql/15/main/tls", "/etc/pgbouncer/tls", "/etc/pgbackrest/conf.d", "/var/lib/pgbackrest", "/var/log/postgresql", "/var/run/postgresql", "/root/pgtenancy"];

    public RelocatedHost()
    {
        Root = Directory.CreateTempSubdirectory("manifest-host-").FullName;
        foreach (var folder in HostFolders)
        {
            Directory.CreateDirectory(Path(folder));
        }
    }

    /// <summary>The folder standing in for the host's <c>/</c>.</summary>
    public string Root { get; }

    /// <summary>The test cluster's data directory, standing in for <c>/var/lib/postgresql/15/main</c> once it exists.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>pgBackRest's options that name the moved configuration (its defaults are /etc/pgbackrest/…).</summary>
    public string PgBackRestConfigOptions => $"--config={Path("/etc/pgbackrest/pgbackrest.conf")} --config-include-path={Path("/etc/pgbackrest/conf.d")}";

    /// <summary>Where a path of the host is here.</summary>
    public string Path(string hostPath) =>
        hostPath.StartsWith(HostDataDirectory, StringComparison.Ordinal) ? DataDirectory + hostPath[HostDataDirectory.Length..] : Root + hostPath;

    /// <summary>Every host path in <paramref name="text"/> moved here, and pgBackRest told where its configuration is.</summary>
    public string Rewrite(string text) =>
        HostPath().Replace(text, match => Path(match.Value))
            .Replace("pgbackrest --stanza=", $"pgbackrest {PgBackRestConfigOptions} --stanza=", StringComparison.Ordinal);

    /// <summary>Installs a generated file as its MANIFEST.md row says: at its (moved) path, its owner, its mode.</summary>
    public void Install(string generatedFolder, InstallRow row)
    {
        if (row.Owner != ServerUserCommand.ServerUser)
        {
            throw new InvalidOperationException($"MANIFEST.md gives {row.File} to '{row.Owner}'; this test knows the server's user only.");
        }

        var target = Path(row.InstallPath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        File.WriteAllText(target, Rewrite(File.ReadAllText(System.IO.Path.Combine(generatedFolder, row.File))));
        File.SetUnixFileMode(target, row.Mode);
        ServerUserCommand.Own(target);
    }

    /// <summary>Gives the whole moved host to the server's user, as the packages leave /etc/postgresql and /var/lib/postgresql.</summary>
    public void HandOver() => ServerUserCommand.Own(Root);

    public void Dispose() => Directory.Delete(Root, recursive: true);

    // A host path starts at a word boundary, not inside another path (the moved root holds "/etc/…" after its own prefix).
    [GeneratedRegex(@"(?<![\w./-])(/etc/postgresql/15/main|/etc/pgbouncer|/etc/pgbackrest|/var/lib/pgbackrest|/var/lib/postgresql/15/main|/var/log/postgresql|/var/run/postgresql|/root/pgtenancy)(?![\w-])")]
    private static partial Regex HostPath();
}
