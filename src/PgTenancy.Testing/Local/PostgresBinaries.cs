using System.Globalization;

namespace PgTenancy.Testing.Local;

/// <summary>The PostgreSQL (and optionally PgBouncer) programs found on this machine.</summary>
internal sealed record PostgresBinaries(string BinDirectory, int MajorVersion, string? PgAuditLibrary)
{
    /// <summary>Overrides the search with a folder that holds initdb and postgres.</summary>
    public const string BinDirectoryVariable = "PGTENANCY_PG_BINDIR";

    private const int MinimumMajorVersion = 15;

    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string Postgres => Path.Combine(BinDirectory, "postgres");

    public string Psql => Path.Combine(BinDirectory, "psql");

    /// <summary>
    /// Finds server binaries: <c>PGTENANCY_PG_BINDIR</c>, then the newest <c>/usr/lib/postgresql/N/bin</c> (Debian and
    /// Ubuntu), then <c>/usr/pgsql-N/bin</c> (RHEL), then the folder of a <c>postgres</c> on the PATH.
    /// </summary>
    public static PostgresBinaries Find() => Find(Environment.GetEnvironmentVariable, DefaultCandidates());

    /// <summary>The folders searched, in order, when <c>PGTENANCY_PG_BINDIR</c> is not set.</summary>
    public static IReadOnlyList<string> DefaultCandidates()
    {
        var candidates = new List<string>();
        candidates.AddRange(VersionedFolders("/usr/lib/postgresql", "", "bin"));
        candidates.AddRange(VersionedFolders("/usr", "pgsql-", "bin"));
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        return candidates;
    }

    /// <summary>Finds server binaries in <paramref name="candidates"/> unless the environment names a folder.</summary>
    public static PostgresBinaries Find(Func<string, string?> getEnvironmentVariable, IReadOnlyList<string> candidates)
    {
        var explicitDirectory = getEnvironmentVariable(BinDirectoryVariable);
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            return FromDirectory(explicitDirectory)
                ?? throw new PostgresServerException(
                    $"{BinDirectoryVariable}='{explicitDirectory}' does not hold initdb and postgres. Point it at the server's bin folder or unset it.");
        }

        foreach (var folder in candidates)
        {
            if (FromDirectory(folder) is { MajorVersion: >= MinimumMajorVersion } found)
            {
                return found;
            }
        }

        throw new PostgresServerException(
            $"No PostgreSQL {MinimumMajorVersion}+ server binaries (initdb, postgres) were found in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin or on the PATH. "
            + $"Install them (Debian/Ubuntu: apt-get install postgresql-{MinimumMajorVersion}; RHEL: dnf install postgresql{MinimumMajorVersion}-server), "
            + $"set {BinDirectoryVariable} to their folder, or point {Provisioning.ProviderSelection.ConnectionVariable} at an existing server.");
    }

    /// <summary>Whether a <c>pgbouncer</c> program is installed.</summary>
    public static bool PgBouncerInstalled() => PgBouncerPath() is not null;

    /// <summary>Finds the <c>pgbouncer</c> program, or explains how to install it.</summary>
    public static string FindPgBouncer() =>
        PgBouncerPath()
            ?? throw new PostgresServerException(
                "PgBouncer was asked for (WithPgBouncer()) but no 'pgbouncer' program was found in /usr/sbin, /usr/bin or on the PATH. "
                + "Install it (Debian/Ubuntu: apt-get install pgbouncer; RHEL: dnf install pgbouncer), or build the server without WithPgBouncer().");

    private static string? PgBouncerPath()
    {
        string[] folders = ["/usr/sbin", "/usr/bin", "/usr/local/bin", .. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)];
        return folders.Select(folder => Path.Combine(folder, "pgbouncer")).FirstOrDefault(File.Exists);
    }

    private static IEnumerable<string> VersionedFolders(string root, string prefix, string leaf)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.EnumerateDirectories(root, prefix + "*")
            .Select(folder => (folder, version: int.TryParse(Path.GetFileName(folder)[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1))
            .Where(entry => entry.version >= 0)
            .OrderByDescending(entry => entry.version)
            .Select(entry => Path.Combine(entry.folder, leaf));
    }

    private static PostgresBinaries? FromDirectory(string folder)
    {
        if (!File.Exists(Path.Combine(folder, "initdb"))
            || !File.Exists(Path.Combine(folder, "postgres")))
        {
            return null;
        }

        // The major version is written in the cluster's PG_VERSION; without running anything, the Debian/RHEL folder
        // name carries it. Otherwise ask postgres itself.
        var major = MajorFromFolderName(folder) ?? MajorFromProgram(Path.Combine(folder, "postgres"));
        var libraryFolder = Path.GetFullPath(Path.Combine(folder, "..", "lib"));
        var pgaudit = Path.Combine(libraryFolder, "pgaudit.so");
        return new PostgresBinaries(folder, major, File.Exists(pgaudit) ? pgaudit : null);
    }

    private static int? MajorFromFolderName(string binFolder)
    {
        var name = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(binFolder).TrimEnd('/'))) ?? "";
        var digits = name.StartsWith("pgsql-", StringComparison.Ordinal) ? name["pgsql-".Length..] : name;
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : null;
    }

    private static int MajorFromProgram(string postgres)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(postgres, ["--version"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        });
        var output = process?.StandardOutput.ReadToEnd() ?? "";
        process?.WaitForExit();

        // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        var version = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(2) ?? "";
        return int.TryParse(version.Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0;
    }
}
