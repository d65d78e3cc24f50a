using Npgsql;
using PgTenancy.Testing.Provisioning;
using PgTenancy.Testing.Roles;
using PgTenancy.Testing.Tls;

namespace PgTenancy.Testing.Local;

/// <summary>
/// A throwaway cluster made from the local PostgreSQL binaries in a fresh temporary folder: TLS 1.3 with a
/// throwaway CA, SCRAM only, <c>hostssl</c> plus an explicit reject, pgaudit when installed, a free loopback port.
/// </summary>
internal sealed class LocalCluster : IServerBackend
{
    private const string AdminUser = "pgtenancy_admin";
    private const int PortAttempts = 3;

    private readonly ClusterFolder _folder;
    private readonly int _watchdogPid;
    private readonly int _postmasterPid;
    private int _disposed;

    private LocalCluster(
        PostgresBinaries binaries, OsCommand commands, ClusterFolder folder, int watchdogPid, int postmasterPid,
        NpgsqlConnectionStringBuilder admin, bool pgAudit)
    {
        Binaries = binaries;
        Commands = commands;
        _folder = folder;
        _watchdogPid = watchdogPid;
        _postmasterPid = postmasterPid;
        AdminConnection = admin;
        PgAuditPreloaded = pgAudit;
    }

    public ServerProvider Provider => ServerProvider.LocalBinaries;

    public NpgsqlConnectionStringBuilder AdminConnection { get; }

    public bool PgAuditPreloaded { get; }

    public string? CaCertificatePath => _folder.CaCertificate;

    public string? ServerLogPath => _folder.ServerLog;

    public string? WorkingDirectory => _folder.Path;

    public IReadOnlyList<int> ProcessIds => [_postmasterPid];

    public PostgresBinaries Binaries { get; }

    public OsCommand Commands { get; }

    public ClusterFolder Folder => _folder;

    public int WatchdogPid => _watchdogPid;

    public static async Task<LocalCluster> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken)
    {
        var binaries = PostgresBinaries.Find();
        var commands = OsCommand.ForServer();
        if (options.Port is { } requested && !LoopbackPort.IsFree(requested))
        {
            throw new PostgresServerException(
                $"Port {requested} on 127.0.0.1 is already in use, so the test server cannot listen on it. Stop what uses it, choose another port with WithPort(), or leave the port unset to get a free one.");
        }

        await OrphanGuard.ReapOrphansAsync().ConfigureAwait(false);
        var folder = ClusterFolder.Create(options.OwnerPid);
        var watchdog = 0;
        try
        {
            watchdog = await OrphanGuard.StartWatchdogAsync(folder, options.OwnerPid, cancellationToken).ConfigureAwait(false);
            var password = ScramSecret.NewPassword();
            WriteCertificates(folder);
            ClusterFolder.WritePrivate(Path.Combine(folder.Path, "pwfile"), password + "\n");
            await commands.HandOverAsync(folder.Path, cancellationToken).ConfigureAwait(false);

            await commands.RunCheckedAsync(
                "initdb",
                binaries.InitDb,
                ["-D", folder.DataDirectory, "-U", AdminUser, "--pwfile", Path.Combine(folder.Path, "pwfile"),
                    "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions"],
                timeout: TimeSpan.FromMinutes(2),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            File.Delete(Path.Combine(folder.Path, "pwfile"));

            var pgAudit = options.PgAudit && binaries.PgAuditLibrary is not null;
            if (options.PgAudit && options.PgAuditRequired && !pgAudit)
            {
                throw new PostgresServerException(
                    $"pgaudit was required (WithPgAudit(required: true)) but {Path.Combine(binaries.BinDirectory, "..", "lib", "pgaudit.so")} does not exist. Install it: apt-get install postgresql-{binaries.MajorVersion}-pgaudit.");
            }

            var hba = Path.Combine(folder.DataDirectory, "pg_hba.conf");
            File.WriteAllText(hba, ClusterConfiguration.PgHbaConf());
            var conf = Path.Combine(folder.DataDirectory, "postgresql.conf");
            var pristineConf = File.ReadAllText(conf);

            for (var attempt = 1; ; attempt++)
            {
                var port = options.Port ?? LoopbackPort.Free();
                File.WriteAllText(conf, pristineConf + ClusterConfiguration.PostgresqlConf(folder, port, pgAudit));
                var start = await commands.RunAsync(
                    binaries.PgCtl,
                    ["start", "-D", folder.DataDirectory, "-l", folder.ServerLog, "-w", "-t", "60", "-s"],
                    timeout: TimeSpan.FromSeconds(90),
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                if (start.ExitCode == 0)
                {
                    var admin = AdminConnectionFor(folder, port, password);
                    var postmaster = ClusterFolder.ReadPid(folder.PostmasterPidFile)
                        ?? throw new PostgresServerException($"The server in {folder.Path} started but wrote no postmaster.pid.");
                    var cluster = new LocalCluster(binaries, commands, folder, watchdog, postmaster, admin, pgAudit);
                    if (pgAudit)
                    {
                        await cluster.InstallPgAuditAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return cluster;
                }

                var log = ServerLog.Tail(folder.ServerLog, 15);
                var portTaken = log.Contains("Address already in use", StringComparison.Ordinal);
                if (portTaken && options.Port is null && attempt < PortAttempts)
                {
                    continue; // another process took the free port between the probe and the start: try another
                }

                throw new PostgresServerException(portTaken
                    ? $"The test server could not listen on 127.0.0.1:{port}: the port is in use. Stop what uses it or choose another port. Server log ({folder.ServerLog}):\n{log}"
                    : $"The test server in {folder.Path} did not start (pg_ctl exit code {start.ExitCode}: {start.Output}). Last lines of its log ({folder.ServerLog}):\n{log}");
            }
        }
        catch
        {
            await ShutdownAsync(folder, watchdog).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await ShutdownAsync(_folder, _watchdogPid).ConfigureAwait(false);
    }

    private static async Task ShutdownAsync(ClusterFolder folder, int watchdogPid)
    {
        if (watchdogPid > 0)
        {
            ProcessLiveness.Signal(watchdogPid, "KILL"); // first, so it cannot race the orderly stop below
            await ProcessLiveness.WaitForExitAsync([watchdogPid], TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }

        await OrphanGuard.StopProcessesAsync(folder).ConfigureAwait(false);
        OrphanGuard.DeleteFolder(folder.Path);
    }

    private async Task InstallPgAuditAsync(CancellationToken cancellationToken)
    {
        // pgaudit fills its object columns only where the extension exists; template1 passes it to every new database.
        foreach (var database in new[] { "template1", "postgres" })
        {
            var builder = new NpgsqlConnectionStringBuilder(AdminConnection.ConnectionString) { Database = database, Pooling = false };
            var connection = new NpgsqlConnection(builder.ConnectionString);
            await using var connectionScope = connection.ConfigureAwait(false);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pgaudit", connection);
            await using var commandScope = command.ConfigureAwait(false);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void WriteCertificates(ClusterFolder folder)
    {
        var certificates = DevCertificates.Create(["127.0.0.1", "localhost"]);
        File.WriteAllText(folder.CaCertificate, certificates.CaCertificatePem);
        File.WriteAllText(folder.ServerCertificate, certificates.ServerCertificatePem);
        ClusterFolder.WritePrivate(folder.ServerKey, certificates.ServerKeyPem); // postgres refuses a key others can read
    }

    private static NpgsqlConnectionStringBuilder AdminConnectionFor(ClusterFolder folder, int port, string password) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        Database = "postgres",
        Username = AdminUser,
        Password = password,
        SslMode = SslMode.VerifyFull,
        RootCertificate = folder.CaCertificate,
        Timeout = 15,
    };
}
