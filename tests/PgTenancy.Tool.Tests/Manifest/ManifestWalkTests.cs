using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.Testing.Local;
using PgTenancy.Testing.Roles;
using PgTenancy.TestSupport;
using PgTenancy.Tool.Backups;
using Xunit;

namespace PgTenancy.Tool.Tests.Manifest;

/// <summary>
/// An operator's run of MANIFEST.md on a fresh cluster: <c>pgtenancy harden --dev-ca --pgbackrest</c>, then every step
/// in the order written — the install table's rows with their owners and modes, the commands in backquotes run as
/// written (psql and pgBackRest as the server's OS user over the local socket, <c>pgtenancy</c> as the tool) — on a
/// Debian host moved under a private folder (<see cref="RelocatedHost"/>). At the end the doctor passes at high, a
/// restore test of the encrypted repository passes, and the server behaves as the hardening guide says.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class ManifestWalkTests : IAsyncLifetime
{
    private const string Database = "shop";
    private const string AppRole = "shop_app";
    private const string MigratorRole = "shop_migrator";
    private static readonly TenantId A = TenantId.Parse("aaaaaaaa-0000-4000-8000-00000000000a");
    private static readonly string[] Loopback = ["127.0.0.1/32"];
    private static readonly string[] AuditedTables = ["orders"];
    private static readonly TenantId B = TenantId.Parse("bbbbbbbb-0000-4000-8000-00000000000b");

    private readonly RelocatedHost _host = new();
    private readonly Dictionary<string, string> _passwords = [];
    private readonly List<IAsyncDisposable> _started = [];
    private PostgresServer? _server;
    private int _port;

    private string Generated => Path.Combine(_host.Root, "hardening");

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (!ServerUserCommand.SwitchesUser && Environment.UserName != ServerUserCommand.ServerUser)
        {
            throw new InvalidOperationException("MANIFEST.md runs psql and pgBackRest as the 'postgres' OS user: run this test as root (as CI does) or as postgres.");
        }

        // A fresh Debian cluster: its configuration in /etc/postgresql/15/main (pg_hba.conf there, conf.d included), the
        // socket in /var/run/postgresql, and the packages' default rule for the postgres OS user on it.
        await File.WriteAllTextAsync(_host.Path("/etc/postgresql/15/main/pg_hba.conf"),
            "local all postgres peer\nhostssl all all 127.0.0.1/32 scram-sha-256\nhost all all all reject\n", Cancel);
        _host.HandOver();
        _server = await PostgresServer.StartAsync(b => b.WithPgBouncer(false).WithConfigurationOverrides($"""
            hba_file = '{_host.Path("/etc/postgresql/15/main/pg_hba.conf")}'
            unix_socket_directories = '{_host.Path("/var/run/postgresql")}'
            include_dir = '{_host.Path("/etc/postgresql/15/main/conf.d")}'
            """, hba: null));
        _host.DataDirectory = _server.DataDirectory;
        _port = new NpgsqlConnectionStringBuilder(_server.AdminConnectionString).Port;
        await Db.ExecuteAsync(_server.AdminConnectionString, "CREATE ROLE postgres SUPERUSER LOGIN");
        await Db.ExecuteAsync(_server.AdminConnectionString, $"CREATE DATABASE {Database}");
    }

    [Fact]
    public async Task Following_MANIFEST_md_step_by_step_on_a_fresh_cluster_hardens_it_and_backs_it_up()
    {
        var harden = await HardenArgumentsAsync();
        await RunToolAsync(harden);
        var manifest = ManifestDocument.Read(Path.Combine(Generated, "MANIFEST.md"));
        Assert.Equal(9, manifest.Steps.Count);

        // 1. Certificates and keys; 2. the settings; 3. pg_hba.conf, reloaded from a session kept open, without errors.
        InstallAll(manifest.Rows.Where(row => row.File.EndsWith(".crt", StringComparison.Ordinal) || row.File.EndsWith(".key", StringComparison.Ordinal)));
        InstallAll(manifest.RowsNamedIn(manifest.Steps[1]));
        await using (var kept = await Db.OpenAsync(_server!.AdminConnectionString))
        {
            InstallAll(manifest.RowsNamedIn(manifest.Steps[2]));
            await Db.ExecuteAsync(kept, "SELECT pg_reload_conf(); SELECT pg_sleep(0.5)");
            var check = ManifestDocument.Command(manifest.Steps[2], "SELECT");
            Assert.Equal(0L, await Db.ScalarAsync<long>(kept, $"SELECT count(*) FROM ({check}) errors"));
        }

        // 4. Restart, then the extension, as the administrator: from now on by client certificate only.
        await _server.RestartPostgresAsync(Cancel);
        await Db.ExecuteAsync(AdminByCertificate(), ManifestDocument.Command(manifest.Steps[3], "CREATE EXTENSION"));

        // 5. roles.sql as a superuser; 6. passwords; 7. the migrations as the migrator, then roles.sql again.
        InstallAll(manifest.RowsNamedIn(manifest.Steps[4]));
        await RunAsServerUserAsync(ManifestDocument.Command(manifest.Steps[4], "psql"), "/root/pgtenancy");
        foreach (var command in ManifestDocument.Commands(manifest.Steps[5]).Where(c => c.StartsWith("\\password ", StringComparison.Ordinal)))
        {
            // What psql's \password sends: a SCRAM secret, never the password.
            var role = command["\\password ".Length..];
            _passwords[role] = ScramSecret.NewPassword();
            await Db.ExecuteAsync(AdminByCertificate(), $"ALTER ROLE \"{role}\" PASSWORD '{ScramSecret.Create(_passwords[role])}'");
        }

        Assert.Contains(MigratorRole, manifest.Steps[6], StringComparison.Ordinal);
        await MigrateAsync();
        await RunAsServerUserAsync(ManifestDocument.Command(manifest.Steps[4], "psql"), "/root/pgtenancy");

        // 8. The user list from the server's SCRAM secrets (a second run into the same folder), installed with pgbouncer.ini.
        Assert.Contains("--connection", manifest.Steps[7], StringComparison.Ordinal);
        var ca = await File.ReadAllTextAsync(Path.Combine(Generated, "ca.crt"), Cancel);
        await RunToolAsync([.. harden, "--connection", AdminByCertificate()]);
        Assert.Equal(ca, await File.ReadAllTextAsync(Path.Combine(Generated, "ca.crt"), Cancel));
        manifest = ManifestDocument.Read(Path.Combine(Generated, "MANIFEST.md"));
        var bouncerRows = manifest.RowsNamedIn(manifest.Steps[7]);
        Assert.Equal(["pgbouncer.ini", "userlist.txt"], bouncerRows.Select(row => row.File).Order());
        InstallAll(bouncerRows);
        var bouncerIni = _host.Path(bouncerRows.Single(row => row.File == "pgbouncer.ini").InstallPath);
        _started.Add(await _server.StartPgBouncerAtAsync(bouncerIni, PgBouncerPort, Path.Combine(_host.Root, "pgbouncer.log")));

        // 9. The doctor, as written (its connection from the option the environment variable stands for).
        await RunToolAsync([.. Arguments(_host.Rewrite(ManifestDocument.Command(manifest.Steps[8], "pgtenancy doctor"))), "--connection", AdminByCertificate()]);

        // Backups: the configuration and the repository; the passphrase file; stanza, check, the first full backup; a restore test.
        Assert.Equal(5, manifest.BackupSteps.Count);
        InstallAll(manifest.RowsNamedIn(manifest.BackupSteps[0]));
        File.SetUnixFileMode(_host.Path("/var/lib/pgbackrest"), (UnixFileMode)Convert.ToInt32("750", 8));
        ServerUserCommand.Own(_host.Path("/var/lib/pgbackrest"));
        var passphrase = manifest.RowsNamedIn(manifest.BackupSteps[1]);
        Assert.Equal((UnixFileMode)Convert.ToInt32("600", 8), Assert.Single(passphrase).Mode);
        InstallAll(passphrase);
        var pgBackRest = manifest.BackupSteps.Skip(2).Take(2)
            .SelectMany(ManifestDocument.Commands)
            .Where(c => c.StartsWith("sudo -u postgres ", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(["stanza-create", "check", "backup --type=full"], pgBackRest.Select(c => c[(c.IndexOf("--stanza=shop ", StringComparison.Ordinal) + 14)..]));
        foreach (var command in pgBackRest)
        {
            await RunAsServerUserAsync(command["sudo -u postgres ".Length..], "/");
        }

        var report = Path.Combine(_host.Root, "restore.json");
        var verify = Arguments(ManifestDocument.Command(manifest.BackupSteps[4], "pgtenancy backup verify"))
            .Select(argument => argument.StartsWith('<') ? AdminByCertificate() : argument == "restore.json" ? report : argument);
        await RunToolAsync([.. verify,
            "--pgbackrest-config", _host.Path("/etc/pgbackrest/pgbackrest.conf"), "--pgbackrest-include", _host.Path("/etc/pgbackrest/conf.d")]);

        // The doctor again, with the backup posture it can see: the repository's configuration, the restore test, pgbackrest info.
        var info = Path.Combine(_host.Root, "pgbackrest-info.json");
        await File.WriteAllTextAsync(info, await RunAsServerUserAsync($"pgbackrest {_host.PgBackRestConfigOptions} info --output=json", "/"), Cancel);
        await RunToolAsync(["doctor", "--connection", AdminByCertificate(), "--app-role", AppRole, "--pgbouncer-config", bouncerIni,
            "--pgbackrest-config", _host.Path("/etc/pgbackrest/pgbackrest.conf"), "--restore-report", report, "--pgbackrest-info", info, "--fail-on", "high"]);

        await AssertTheHardenedBehaviourAsync();
    }

    private async Task AssertTheHardenedBehaviourAsync()
    {
        // Without TLS the app meets the explicit reject; TLS 1.3 and SCRAM let it in, directly and through PgBouncer.
        var plain = new NpgsqlConnectionStringBuilder(RoleConnection(AppRole)) { SslMode = SslMode.Disable };
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Db.OpenAsync(plain.ConnectionString));
        Assert.Equal(PostgresErrorCodes.InvalidAuthorizationSpecification, refused.SqlState);
        Assert.Equal("TLSv1.3", await Db.ScalarAsync<string>(AdminByCertificate(), "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"));

        // Each tenant writes and reads through the generated PgBouncer, bound by PgTenancy: neither sees the other's rows.
        var throughBouncer = new NpgsqlConnectionStringBuilder(RoleConnection(AppRole)) { Port = PgBouncerPort }.ConnectionString;
        await using var app = NpgsqlDataSource.Create(throughBouncer).WithTenancy();
        foreach (var (tenant, id) in new[] { (A, 1), (B, 2) })
        {
            using var scope = TenantScope.Begin(tenant);
            await using var command = app.CreateCommand($"INSERT INTO public.orders (tenant_id, id, amount) VALUES ('{tenant}', {id}, {id})");
            await command.ExecuteNonQueryAsync(Cancel);
        }

        using (TenantScope.Begin(A))
        {
            await using var read = app.CreateCommand("SELECT string_agg(id::text, ',') FROM public.orders");
            Assert.Equal("1", await read.ExecuteScalarAsync(Cancel));
        }
    }

    private async Task<string[]> HardenArgumentsAsync()
    {
        var input = Path.Combine(_host.Root, "harden.json");
        await File.WriteAllTextAsync(input, JsonSerializer.Serialize(new
        {
            database = Database,
            appRole = AppRole,
            readOnlyRole = "shop_readonly",
            migratorRole = MigratorRole,
            auditorRole = "shop_auditor",
            adminRole = "postgres",
            adminHost = "127.0.0.1/32",
            appCidrs = Loopback,
            listenAddresses = "127.0.0.1",
            generateDevCa = true,
            auditedTables = AuditedTables,
            layout = "debian",
            pgBouncer = new { listenAddress = "127.0.0.1", listenPort = PgBouncerPort, serverHost = "127.0.0.1", serverPort = _port, defaultPoolSize = 5, maxDatabaseConnections = 10 },
            pgBackRest = new { port = _port },
        }), Cancel);
        var passphrase = Path.Combine(_host.Root, "passphrase");
        await File.WriteAllTextAsync(passphrase, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(36)), Cancel);
        return ["harden", "--input", input, "--output", Generated, "--backup-passphrase-file", passphrase];
    }

    private int PgBouncerPort { get; } = LoopbackPort.Free();

    private void InstallAll(IEnumerable<InstallRow> rows)
    {
        foreach (var row in rows)
        {
            _host.Install(Generated, row);
        }
    }

    /// <summary>The migrations: the binding (by the superuser), and the tables with forced RLS (by the migrator).</summary>
    private async Task MigrateAsync()
    {
        await using (var superuser = NpgsqlDataSource.Create(AdminByCertificate()))
        {
            await TenancyInstaller.InstallAsync(superuser, cancellationToken: Cancel);
        }

        await Db.ExecuteAsync(RoleConnection(MigratorRole), $"""
            CREATE TABLE public.orders (tenant_id uuid NOT NULL, id bigint NOT NULL, amount int NOT NULL, PRIMARY KEY (tenant_id, id));
            {new TenantIsolationPolicy("orders", "tenant_id") { Schema = "public", AppRoles = [AppRole] }.EnableSql()}
            """);
    }

    /// <summary>Runs a MANIFEST.md command as the server's OS user, on the local socket, in a host folder; fails with its output.</summary>
    private async Task<string> RunAsServerUserAsync(string command, string hostFolder)
    {
        var folder = hostFolder == "/" ? "/" : _host.Path(hostFolder);
        var line = $"cd '{folder}' && PGHOST='{_host.Path("/var/run/postgresql")}' PGPORT={_port} {_host.Rewrite(command)}";
        var (exitCode, output) = await ServerUserCommand.RunAsync("/bin/sh", ["-c", line], TimeSpan.FromMinutes(5), Cancel);
        Assert.True(exitCode == 0, $"MANIFEST.md's `{command}` exited {exitCode}:\n{output}");
        return output;
    }

    private static async Task RunToolAsync(string[] arguments)
    {
        var (exit, output, error) = await Cli.RunAsync(arguments);
        Assert.True(exit == 0, $"pgtenancy {arguments[0]} exited {exit}:\n{output}\n{error}");
    }

    /// <summary>A command's arguments after the program's name, "double-quoted" ones kept whole.</summary>
    private static string[] Arguments(string command) =>
        [.. Argument().Matches(command).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).Skip(1)];

    [GeneratedRegex("\"([^\"]*)\"|(\\S+)")]
    private static partial Regex Argument();

    private string AdminByCertificate() => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = "postgres",
        Database = Database,
        SslMode = SslMode.VerifyFull,
        RootCertificate = Path.Combine(Generated, "ca.crt"),
        SslCertificate = Path.Combine(Generated, "admin.crt"),
        SslKey = Path.Combine(Generated, "admin.key"),
        Pooling = false,
    }.ConnectionString;

    private string RoleConnection(string role) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _port,
        Username = role,
        Password = _passwords[role],
        Database = Database,
        SslMode = SslMode.VerifyFull,
        RootCertificate = Path.Combine(Generated, "ca.crt"),
        Pooling = false,
    }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        foreach (var started in _started)
        {
            await started.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _host.Dispose();
    }
}
