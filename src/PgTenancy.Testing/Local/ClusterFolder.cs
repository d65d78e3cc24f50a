using System.Globalization;
using System.Security.Cryptography;

namespace PgTenancy.Testing.Local;

/// <summary>
/// The temporary folder of one throwaway cluster and the names of the files in it. Each folder records the PID of
/// the process that made it (<c>owner.pid</c>), so that a later start can recognise and reap an orphan.
/// </summary>
internal sealed class ClusterFolder
{
    private ClusterFolder(string path) => Path = path;

    public string Path { get; }

    public string DataDirectory => Combine("data");

    public string ServerLog => Combine("postgres.log");

    public string CaCertificate => Combine("ca.crt");

    public string ServerCertificate => Combine("server.crt");

    public string ServerKey => Combine("server.key");

    public string OwnerPidFile => Combine("owner.pid");

    public string PostmasterPidFile => System.IO.Path.Combine(DataDirectory, "postmaster.pid");

    public string PgBouncerConfig => Combine("pgbouncer.ini");

    public string PgBouncerUsers => Combine("userlist.txt");

    public string PgBouncerLog => Combine("pgbouncer.log");

    public string PgBouncerPidFile => Combine("pgbouncer.pid");

    public string WatchdogScript => Combine("watchdog.sh");

    /// <summary>
    /// The folder that holds every cluster this OS user starts. Under <c>/tmp</c> when root, because the
    /// <c>postgres</c> user must traverse it and a root TMPDIR may sit under <c>/root</c>.
    /// </summary>
    public static string Root()
    {
        var temp = Environment.IsPrivilegedProcess ? "/tmp" : System.IO.Path.GetTempPath();
        return System.IO.Path.Combine(temp, "pgtenancy-" + Environment.UserName);
    }

    /// <summary>Makes a new, empty cluster folder owned by <paramref name="ownerPid"/>.</summary>
    public static ClusterFolder Create(int ownerPid)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PostgresServerException("The local-binaries provider runs on Linux and macOS only; on Windows, use Docker or PGTENANCY_TEST_CONNECTION.");
        }

        var root = Root();
        Directory.CreateDirectory(root);
        File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var path = System.IO.Path.Combine(root, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)));
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var folder = new ClusterFolder(path);
        File.WriteAllText(folder.OwnerPidFile, ownerPid.ToString(CultureInfo.InvariantCulture));
        return folder;
    }

    /// <summary>Opens an existing cluster folder (for the reaper).</summary>
    public static ClusterFolder Open(string path) => new(path);

    /// <summary>Writes a file that only its owner may read (keys, password lists).</summary>
    public static void WritePrivate(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>The first line of a PID file as a PID, or <see langword="null"/> when there is none.</summary>
    public static int? ReadPid(string pidFile)
    {
        try
        {
            var first = File.ReadLines(pidFile).FirstOrDefault();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The lines of a small file the server rewrites, or <see langword="null"/> when it does not exist yet.</summary>
    public static IReadOnlyList<string>? ReadLines(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private string Combine(string name) => System.IO.Path.Combine(Path, name);
}
