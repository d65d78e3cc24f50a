using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;
using PgTenancy.Testing.Local;

namespace PgTenancy.Testing.PgBouncer;

/// <summary>
/// PgBouncer in front of a local cluster: transaction pooling, SCRAM, TLS 1.3 towards clients (required) and towards
/// the server (<c>verify-full</c> against the cluster's CA). Its user list holds the server's SCRAM secrets, copied
/// from <c>pg_authid</c>, so no plain password is written anywhere.
/// </summary>
internal sealed class PgBouncerInstance : IAsyncDisposable
{
    private readonly LocalCluster _cluster;
    private readonly Process _process;
    private int _disposed;

    private PgBouncerInstance(LocalCluster cluster, int port, Process process, string logPath)
    {
        _cluster = cluster;
        Port = port;
        _process = process;
        LogPath = logPath;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public string LogPath { get; }

    public static async Task<PgBouncerInstance> StartAsync(LocalCluster cluster, int? port, CancellationToken cancellationToken)
    {
        var folder = cluster.Folder;
        var listenPort = port ?? LoopbackPort.Free();
        await WriteUserListAsync(cluster, cancellationToken).ConfigureAwait(false);
        File.WriteAllText(folder.PgBouncerConfig, PgBouncerConfiguration.Ini(folder, cluster.AdminConnection, listenPort));
        await cluster.Commands.HandOverAsync(folder.Path, cancellationToken).ConfigureAwait(false);
        return await LaunchAsync(cluster, folder.PgBouncerConfig, listenPort, folder.PgBouncerLog).ConfigureAwait(false);
    }

    /// <summary>Starts PgBouncer with a configuration written elsewhere (a generated one), listening on <paramref name="port"/>.</summary>
    public static Task<PgBouncerInstance> StartAsync(LocalCluster cluster, string iniPath, int port, string logPath) =>
        LaunchAsync(cluster, iniPath, port, logPath);

    private static async Task<PgBouncerInstance> LaunchAsync(LocalCluster cluster, string iniPath, int port, string logPath)
    {
        // In the foreground, as this process's child: stopped by its PID and reaped here (see OsCommand).
        var process = cluster.Commands.StartServer(PostgresBinaries.FindPgBouncer(), [iniPath], logPath);
        var instance = new PgBouncerInstance(cluster, port, process, logPath);
        if (!await ListensAsync(process, port).ConfigureAwait(false))
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw new PostgresServerException(
                $"PgBouncer did not start on 127.0.0.1:{port}. Last lines of its log ({logPath}):\n{ServerLog.Tail(logPath, 15)}");
        }

        return instance;
    }

    /// <summary>
    /// Rewrites the user list from the server's current SCRAM secrets and reloads PgBouncer, so that roles created
    /// after the start can log in through it. Runs <c>RELOAD</c> on the admin console, which returns once it is done.
    /// </summary>
    public async Task SyncUsersAsync(CancellationToken cancellationToken)
    {
        await WriteUserListAsync(_cluster, cancellationToken).ConfigureAwait(false);
        var admin = _cluster.AdminConnection;
        var result = await OsCommand.AsCurrentUser.RunAsync(
            _cluster.Binaries.Psql,
            ["-X", "-q", "-c", "RELOAD",
                $"host=127.0.0.1 port={Port.ToString(CultureInfo.InvariantCulture)} dbname=pgbouncer user={admin.Username} sslmode=verify-full sslrootcert={_cluster.Folder.CaCertificate}"],
            new Dictionary<string, string> { ["PGPASSWORD"] = admin.Password ?? "" },
            TimeSpan.FromSeconds(30),
            cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new PostgresServerException(
                $"PgBouncer on port {Port} did not reload its user list (psql exit code {result.ExitCode}: {result.Output}). Its log: {LogPath}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            ProcessLiveness.Signal(_process.Id, "TERM"); // PgBouncer's immediate shutdown
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private static async Task WriteUserListAsync(LocalCluster cluster, CancellationToken cancellationToken)
    {
        var list = new StringBuilder();
        var connection = new NpgsqlConnection(cluster.AdminConnection.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(
                "SELECT rolname, rolpassword FROM pg_authid WHERE rolcanlogin AND rolpassword LIKE 'SCRAM-SHA-256$%' ORDER BY rolname",
                connection);
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Append('"').Append(reader.GetString(0).Replace("\"", "\"\"", StringComparison.Ordinal)).Append("\" \"")
                    .Append(reader.GetString(1)).Append("\"\n");
            }
        }

        var path = cluster.Folder.PgBouncerUsers;
        var staging = path + ".new";
        ClusterFolder.WritePrivate(staging, list.ToString());
        await cluster.Commands.HandOverAsync(staging, cancellationToken).ConfigureAwait(false);
        File.Move(staging, path, overwrite: true); // atomic: PgBouncer never reads a half-written list
    }

    private static async Task<bool> ListensAsync(Process process, int port)
    {
        for (var i = 0; i < 200 && !process.HasExited; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        return false;
    }
}
