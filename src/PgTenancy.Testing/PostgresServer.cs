using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using PgTenancy.Testing.Docker;
using PgTenancy.Testing.Existing;
using PgTenancy.Testing.Local;
using PgTenancy.Testing.PgBouncer;
using PgTenancy.Testing.Provisioning;
using PgTenancy.Testing.Roles;

namespace PgTenancy.Testing;

/// <summary>
/// A PostgreSQL server for tests: an existing one (<c>PGTENANCY_TEST_CONNECTION</c>), a Docker container, or a
/// throwaway cluster made from the local binaries — hardened like production (TLS 1.3, SCRAM only, <c>hostssl</c>
/// with an explicit reject, pgaudit), optionally behind PgBouncer. Disposing it stops everything it started, by PID,
/// and deletes its files; if the process dies first, a watchdog does the same.
/// </summary>
/// <example>
/// <code>
/// await using var server = await PostgresServer.StartAsync(b => b.WithPgBouncer());
/// await using var database = await server.CreateDatabaseAsync();
/// var app = database.ConnectionString(TestRole.App, throughPgBouncer: true);
/// </code>
/// </example>
public sealed partial class PostgresServer : IAsyncDisposable
{
    private readonly PostgresServerSettings _settings;
    private readonly SemaphoreSlim _roleChanges = new(1, 1);
    private IServerBackend? _backend;
    private PgBouncerInstance? _pgBouncer;
    private ServerFacts? _facts;
    private int _started;
    private int _disposed;

    internal PostgresServer(PostgresServerSettings settings) => _settings = settings;

    /// <summary>
    /// Builds a server with <paramref name="configure"/> applied to a new builder (the default server when omitted),
    /// and starts it.
    /// </summary>
    /// <exception cref="PostgresServerException">The server could not be provisioned or started; the message says why and what to do.</exception>
    public static async Task<PostgresServer> StartAsync(
        Func<PostgresServerBuilder, PostgresServerBuilder>? configure = null,
        CancellationToken cancellationToken = default)
    {
        PackageVersions.EnsureSiblingsMatch(typeof(PostgresServer).Assembly);
        var builder = new PostgresServerBuilder();
        var server = (configure?.Invoke(builder) ?? builder).Build();
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Where this server came from.</summary>
    public ServerProvider Provider => Backend.Provider;

    /// <summary>The server's version, e.g. <c>15.18</c>.</summary>
    public string ServerVersion => Facts.Version;

    /// <summary>Whether the server accepts TLS connections (<c>ssl = on</c>).</summary>
    public bool TlsEnabled => Facts.Ssl;

    /// <summary>The lowest TLS version the server accepts, e.g. <c>TLSv1.3</c>.</summary>
    public string TlsMinimumProtocol => Facts.SslMinimumProtocol;

    /// <summary>Whether pgaudit is loaded, so that DDL, writes and role changes produce <c>AUDIT:</c> log lines.</summary>
    public bool PgAuditEnabled => Facts.PgAudit;

    /// <summary>Whether PgBouncer runs in front of this server.</summary>
    public bool HasPgBouncer => _pgBouncer is not null;

    /// <summary>The port PgBouncer listens on (127.0.0.1).</summary>
    /// <exception cref="InvalidOperationException">The server has no PgBouncer.</exception>
    public int PgBouncerPort => RequirePgBouncer().Port;

    /// <summary>The superuser connection string, straight to the server, database <c>postgres</c>.</summary>
    public string AdminConnectionString => Backend.AdminConnection.ConnectionString;

    /// <summary>The certificate of the CA that signed the server's certificate, for <c>verify-full</c> clients.</summary>
    public string? CaCertificatePath => Backend.CaCertificatePath;

    /// <summary>The server's log file, where pgaudit writes its <c>AUDIT:</c> lines (not known for an existing server).</summary>
    public string? LogFilePath => Backend.ServerLogPath;

    /// <summary>PgBouncer's log file, or <see langword="null"/> without PgBouncer.</summary>
    public string? PgBouncerLogFilePath => _pgBouncer?.LogPath;

    /// <summary>The folder that holds this server's files, deleted on dispose (local binaries only).</summary>
    public string? WorkingDirectory => Backend.WorkingDirectory;

    /// <summary>The PIDs of the postmaster and PgBouncer this server started; none for an existing server or a container.</summary>
    public IReadOnlyList<int> ProcessIds =>
        _pgBouncer is null ? Backend.ProcessIds : [.. Backend.ProcessIds, _pgBouncer.ProcessId];

    internal int? WatchdogProcessId => (_backend as LocalCluster)?.WatchdogPid;

    /// <summary>
    /// Restarts PostgreSQL (fast shutdown, then start on the same data and port), for fault-injection runs; returns
    /// once it accepts connections. Local binaries only.
    /// </summary>
    internal Task RestartPostgresAsync(CancellationToken cancellationToken = default) =>
        (Backend as LocalCluster ?? throw new InvalidOperationException("Only a server from local binaries can be restarted."))
            .RestartAsync(cancellationToken);

    /// <summary>Stops PgBouncer (its clients are disconnected) and starts it again on the same port and configuration.</summary>
    internal async Task RestartPgBouncerAsync()
    {
        var pgBouncer = RequirePgBouncer();
        var cluster = (LocalCluster)Backend;
        await pgBouncer.DisposeAsync().ConfigureAwait(false);
        _pgBouncer = await PgBouncerInstance.StartAsync(cluster, cluster.Folder.PgBouncerConfig, pgBouncer.Port, pgBouncer.LogPath).ConfigureAwait(false);
    }

    private IServerBackend Backend => _backend ?? throw new InvalidOperationException("The server has not been started: call StartAsync() first.");

    private ServerFacts Facts => _facts ?? throw new InvalidOperationException("The server has not been started: call StartAsync() first.");

    /// <summary>Provisions and starts the server (and PgBouncer, when asked for).</summary>
    /// <exception cref="PostgresServerException">The server could not be provisioned or started; the message says why and what to do.</exception>
    /// <exception cref="InvalidOperationException">The server was already started or disposed.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("This server was already started; build another one for a second server.");
        }

        var provider = ProviderSelection.Select(_settings.Provider, Environment.GetEnvironmentVariable, DockerEngineProbe.EngineAnswers);
        var pgBouncer = _settings.PgBouncer == PgBouncerUse.Required
            || (_settings.PgBouncer == PgBouncerUse.IfInstalled && provider == ServerProvider.LocalBinaries && PostgresBinaries.PgBouncerInstalled());
        if (pgBouncer && provider != ServerProvider.LocalBinaries)
        {
            throw new PostgresServerException(
                $"WithPgBouncer() is provided with the local-binaries provider only, and this run selected {provider}. "
                + $"Set {ProviderSelection.ProviderVariable}=local (with PostgreSQL and pgbouncer installed), or build the server without WithPgBouncer().");
        }

        _backend = provider switch
        {
            ServerProvider.LocalBinaries => await LocalCluster.StartAsync(
                new LocalClusterOptions(_settings.Port, _settings.PgAudit, _settings.PgAuditRequired, _settings.OwnerPid, _settings.ExtraSettings, _settings.HbaOverride),
                cancellationToken).ConfigureAwait(false),
            ServerProvider.Docker => await ContainerServer.StartAsync(_settings, cancellationToken).ConfigureAwait(false),
            _ => await ExistingServer.ConnectAsync(
                Environment.GetEnvironmentVariable(ProviderSelection.ConnectionVariable), cancellationToken).ConfigureAwait(false),
        };

        if (pgBouncer)
        {
            _pgBouncer = await PgBouncerInstance.StartAsync((LocalCluster)_backend, null, cancellationToken).ConfigureAwait(false);
        }

        _facts = await ServerFacts.ReadAsync(_backend.AdminConnection.ConnectionString, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One line that says what runs: version, provider, TLS, SCRAM, pgaudit and PgBouncer.</summary>
    public string Describe()
    {
        var endpoint = $"{Backend.AdminConnection.Host}:{Backend.AdminConnection.Port.ToString(CultureInfo.InvariantCulture)}";
        var bouncer = _pgBouncer is null
            ? "no PgBouncer"
            : $"PgBouncer on 127.0.0.1:{_pgBouncer.Port.ToString(CultureInfo.InvariantCulture)} (transaction pooling, TLS to clients and verify-full to the server)";
        return $"PostgreSQL {ServerVersion} ({Provider}) on {endpoint}; TLS {(TlsEnabled ? "on, minimum " + TlsMinimumProtocol : "off")}; "
            + $"passwords {Facts.PasswordEncryption}; pgaudit {(PgAuditEnabled ? "on" : "off")}; {bouncer}";
    }

    /// <summary>
    /// Creates a database owned by a new owner role, and a new application role that is <c>NOSUPERUSER NOBYPASSRLS</c>,
    /// not the owner and not a member of it, with <c>CONNECT</c> on the database and <c>USAGE</c> on schema
    /// <c>public</c> only (grant it table privileges as your test needs). Roles get random passwords, sent to the server
    /// as SCRAM secrets only. PgBouncer, if any, learns the new roles before this returns.
    /// </summary>
    /// <param name="name">Lower-case letters, digits and underscores, starting with a letter, at most 40 characters; random when omitted.</param>
    /// <param name="cancellationToken">Cancels the creation.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a plain lower-case identifier.</exception>
    public async Task<TestDatabase> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= "t_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5));
        if (!PlainIdentifier().IsMatch(name))
        {
            throw new ArgumentException(
                $"Database name '{name}' is not allowed: use lower-case letters, digits and underscores, starting with a letter, at most 40 characters (roles '{name}_owner' and '{name}_app' are derived from it).",
                nameof(name));
        }

        var owner = new TestLogin(name + "_owner", ScramSecret.NewPassword());
        var app = new TestLogin(name + "_app", ScramSecret.NewPassword());
        await _roleChanges.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await TestDatabaseSetup.CreateAsync(Backend.AdminConnection, name, owner, app, cancellationToken).ConfigureAwait(false);
            if (_pgBouncer is not null)
            {
                await _pgBouncer.SyncUsersAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _roleChanges.Release();
        }

        return new TestDatabase(this, name, owner, app);
    }

    /// <summary>
    /// Tells PgBouncer about roles created since the last call (with <c>CREATE ROLE … PASSWORD</c>), by copying the
    /// server's SCRAM secrets into its user list and reloading it. <see cref="CreateDatabaseAsync"/> does this itself.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server has no PgBouncer.</exception>
    public async Task SyncPgBouncerUsersAsync(CancellationToken cancellationToken = default)
    {
        var bouncer = RequirePgBouncer();
        await _roleChanges.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await bouncer.SyncUsersAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _roleChanges.Release();
        }
    }

    /// <summary>
    /// Applies another pg_hba.conf, extra settings and the files they refer to (written to
    /// <see cref="ReconfiguredFilePath"/>, readable by the server's user only) to a local cluster, and reloads it.
    /// Disposing the result puts the previous configuration back. For tests of generated configurations.
    /// </summary>
    internal async Task<IAsyncDisposable> ReconfigureAsync(string? pgHbaConf, string? settings, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken = default) =>
        await Local.ClusterReconfiguration.ApplyAsync(RequireLocalCluster(), pgHbaConf, settings, files, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Starts a further PgBouncer with a given configuration (a generated pgbouncer.ini and its user list, written with
    /// <see cref="ReconfigureAsync"/>'s files), listening on <paramref name="port"/>; disposing stops it by its PID.
    /// </summary>
    internal async Task<IAsyncDisposable> StartPgBouncerAsync(string iniName, int port, CancellationToken cancellationToken = default)
    {
        var cluster = RequireLocalCluster();
        await cluster.Commands.HandOverAsync(Local.ClusterReconfiguration.FilesDirectory(cluster), cancellationToken).ConfigureAwait(false);
        return await StartPgBouncerAtAsync(ReconfiguredFilePath(iniName), port, ReconfiguredFilePath(iniName + ".log")).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a further PgBouncer from a pgbouncer.ini installed elsewhere (readable by the server's user), its standard
    /// error appended to <paramref name="logPath"/>; disposing stops it by its PID.
    /// </summary>
    internal async Task<IAsyncDisposable> StartPgBouncerAtAsync(string iniPath, int port, string logPath) =>
        await PgBouncer.PgBouncerInstance.StartAsync(RequireLocalCluster(), iniPath, port, logPath).ConfigureAwait(false);

    /// <summary>Where <see cref="ReconfigureAsync"/> writes a file of this name.</summary>
    /// <summary>The local cluster's data directory (for tools that read it in place, such as pgBackRest).</summary>
    internal string DataDirectory => RequireLocalCluster().Folder.DataDirectory;

    internal string ReconfiguredFilePath(string name) => Path.Combine(Local.ClusterReconfiguration.FilesDirectory(RequireLocalCluster()), name);

    private Local.LocalCluster RequireLocalCluster() =>
        Backend as Local.LocalCluster ?? throw new InvalidOperationException($"Reconfiguring needs a server from local binaries; this one is {Provider}.");

    /// <summary>Stops PgBouncer and the server (by PID) and deletes their files; drops what it created on an existing server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_pgBouncer is not null)
        {
            await _pgBouncer.DisposeAsync().ConfigureAwait(false);
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync().ConfigureAwait(false);
        }

        _roleChanges.Dispose();
    }

    internal NpgsqlConnectionStringBuilder ConnectionFor(string database, TestLogin? login, bool throughPgBouncer)
    {
        var builder = new NpgsqlConnectionStringBuilder(Backend.AdminConnection.ConnectionString) { Database = database };
        if (login is not null)
        {
            builder.Username = login.Name;
            builder.Password = login.Password;
        }

        if (throughPgBouncer)
        {
            builder.Port = RequirePgBouncer().Port;

            // PgBouncer 1.18 in transaction mode has no protocol-level prepared statements, and a reset sent on close
            // would run in whatever server connection is current: see docs/concepts.md, "PgBouncer".
            builder.MaxAutoPrepare = 0;
            builder.NoResetOnClose = true;
        }

        return builder;
    }

    internal async Task DropDatabaseAsync(string name, TestLogin owner, TestLogin app, TestLogin? bypass)
    {
        if (_disposed == 1 || _backend is null)
        {
            return;
        }

        await TestDatabaseSetup.DropAsync(Backend.AdminConnection, name, owner, app, bypass).ConfigureAwait(false);
    }

    internal async Task CreateBypassRoleAsync(string database, TestLogin owner, TestLogin bypass, CancellationToken cancellationToken)
    {
        await _roleChanges.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await TestDatabaseSetup.CreateBypassAsync(Backend.AdminConnection, database, owner, bypass, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _roleChanges.Release();
        }
    }

    private PgBouncerInstance RequirePgBouncer() =>
        _pgBouncer ?? throw new InvalidOperationException("This server has no PgBouncer in front of it: build it with WithPgBouncer().");

    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex PlainIdentifier();
}
