namespace PgTenancy.Tool.Backups;

/// <summary>Where the backup commands find the programs they run: pg_dump, pg_restore, pg_ctl and pgbackrest.</summary>
internal static class Programs
{
    /// <summary>
    /// <paramref name="program"/> on the PATH and in <paramref name="folders"/> — the folders first when
    /// <paramref name="foldersFirst"/> (a program that must match a version), else the PATH first.
    /// </summary>
    /// <exception cref="BackupException">It is in none of them; the message says what to install.</exception>
    public static string Find(string program, IEnumerable<string> folders, bool foldersFirst, string install)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        var candidates = foldersFirst ? folders.Concat(path) : path.Concat(folders);
        return candidates.Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists)
            ?? throw new BackupException($"{program} was not found on the PATH or in {string.Join(", ", folders)}: install {install}.");
    }

    /// <summary>The bin folders of the installed PostgreSQL versions, newest first, in the Debian and the RHEL layout.</summary>
    public static IEnumerable<string> PostgresBinFolders() =>
        (Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending(StringComparer.Ordinal).Select(d => Path.Combine(d, "bin")) : [])
        .Concat(Directory.Exists("/usr") ? Directory.GetDirectories("/usr", "pgsql-*").OrderDescending(StringComparer.Ordinal).Select(d => Path.Combine(d, "bin")) : []);
}
