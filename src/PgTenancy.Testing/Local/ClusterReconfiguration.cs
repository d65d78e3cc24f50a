namespace PgTenancy.Testing.Local;

/// <summary>
/// Applies another configuration to a running local cluster — its pg_hba.conf, settings appended to postgresql.conf,
/// and files it refers to (certificates, keys) — and reloads it with SIGHUP, which needs no connection (a new pg_hba.conf
/// may no longer let the test's password-authenticated administrator in). Disposing puts the previous configuration
/// back and reloads again.
/// </summary>
internal sealed class ClusterReconfiguration : IAsyncDisposable
{
    private readonly LocalCluster _cluster;
    private readonly string _hba;
    private readonly string _conf;

    private ClusterReconfiguration(LocalCluster cluster, string hba, string conf)
    {
        _cluster = cluster;
        _hba = hba;
        _conf = conf;
    }

    /// <summary>The folder the files are written to, inside the cluster's folder and readable by the server's user only.</summary>
    public static string FilesDirectory(LocalCluster cluster) => Path.Combine(cluster.Folder.Path, "reconfigured");

    public static async Task<ClusterReconfiguration> ApplyAsync(
        LocalCluster cluster, string? pgHbaConf, string? settings, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken)
    {
        var hbaPath = Path.Combine(cluster.Folder.DataDirectory, "pg_hba.conf");
        var confPath = Path.Combine(cluster.Folder.DataDirectory, "postgresql.conf");
        var scope = new ClusterReconfiguration(cluster, File.ReadAllText(hbaPath), File.ReadAllText(confPath));
        var directory = FilesDirectory(cluster);
        Directory.CreateDirectory(directory);
        foreach (var (name, content) in files)
        {
            ClusterFolder.WritePrivate(Path.Combine(directory, name), content);
        }

        await cluster.Commands.HandOverAsync(directory, cancellationToken).ConfigureAwait(false);
        if (pgHbaConf is not null)
        {
            await File.WriteAllTextAsync(hbaPath, pgHbaConf, cancellationToken).ConfigureAwait(false);
        }

        if (settings is not null)
        {
            await File.AppendAllTextAsync(confPath, "\n# ---- reconfigured by a test ----\n" + settings + "\n", cancellationToken).ConfigureAwait(false);
        }

        await ReloadAsync(cluster, cancellationToken).ConfigureAwait(false);
        return scope;
    }

    public async ValueTask DisposeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_cluster.Folder.DataDirectory, "pg_hba.conf"), _hba).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(_cluster.Folder.DataDirectory, "postgresql.conf"), _conf).ConfigureAwait(false);
        await ReloadAsync(_cluster, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>SIGHUP to the postmaster, then a pause: the reload is asynchronous and has no completion signal.</summary>
    private static async Task ReloadAsync(LocalCluster cluster, CancellationToken cancellationToken)
    {
        ProcessLiveness.Signal(cluster.ProcessIds[0], "HUP");
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
    }
}
