using PgTenancy.Doctor.Hardening;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.Testing.Roles;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Doctor.Tests.Hardening;

/// <summary>
/// A throwaway server configured from <c>pgtenancy harden</c>'s files, the way MANIFEST.md says: roles.sql, the
/// migrator's tables with RLS, roles.sql again for the audited table, then the generated pg_hba.conf, settings and a
/// dev CA's certificates, reloaded. From then on the administrator needs the generated client certificate.
/// </summary>
public sealed class HardenedServer : IAsyncLifetime
{
    public const string Database = "shop";
    private readonly Dictionary<string, string> _passwords = [];
    private IAsyncDisposable? _reconfiguration;
    private IAsyncDisposable? _pgBouncer;
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("not started");

    internal HardeningInput Input { get; private set; } = new();

    internal IReadOnlyList<HardeningFile> Files { get; private set; } = [];

    public int Port => new NpgsqlConnectionStringBuilder(Server.AdminConnectionString).Port;

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async ValueTask InitializeAsync()
    {
        _server = await PostgresServer.StartAsync(b => b.WithPgAudit(required: true));
        PgBouncerPort = PgTenancy.Testing.Local.LoopbackPort.Free();
        WrongCaPgBouncerPort = PgTenancy.Testing.Local.LoopbackPort.Free();
        var admin = new NpgsqlConnectionStringBuilder(Server.AdminConnectionString);
        var certificates = HardenedConfiguration.Generate(new HardeningInput { Database = Database, AppCidrs = ["127.0.0.1/32"], GenerateDevCa = true, AdminRole = admin.Username! })
            .ToDictionary(f => f.Name, f => f.Content);
        Input = new HardeningInput
        {
            Database = Database,
            AppRole = "shop_app",
            ReadOnlyRole = "shop_readonly",
            MigratorRole = "shop_migrator",
            AuditorRole = "shop_auditor",
            AdminRole = admin.Username!,
            AppCidrs = ["127.0.0.1/32"],
            AdminHost = "127.0.0.1/32",
            ListenAddresses = "127.0.0.1",
            CertificateFile = Server.ReconfiguredFilePath("server.crt"),
            KeyFile = Server.ReconfiguredFilePath("server.key"),
            CaFile = Server.ReconfiguredFilePath("ca.crt"),
            AuditedTables = ["orders"],
            PgBouncer = new PgBouncerInput { ListenAddress = "127.0.0.1", ListenPort = PgBouncerPort, ServerHost = "127.0.0.1", ServerPort = Port, DefaultPoolSize = 5, MaxDatabaseConnections = 10 },
        };
        Files = HardenedConfiguration.Generate(Input);

        await Db.ExecuteAsync(Server.AdminConnectionString, $"CREATE DATABASE {Database}");
        var adminShop = new NpgsqlConnectionStringBuilder(Server.AdminConnectionString) { Database = Database }.ConnectionString;
        var withoutAudit = HardenedConfiguration.Generate(Input with { AuditedTables = [] });
        await Db.ExecuteAsync(adminShop, File(withoutAudit, "roles.sql"));
        foreach (var role in new[] { Input.AppRole, Input.ReadOnlyRole, Input.MigratorRole })
        {
            _passwords[role] = ScramSecret.NewPassword();
            await Db.ExecuteAsync(adminShop, $"ALTER ROLE \"{role}\" PASSWORD '{ScramSecret.Create(_passwords[role])}'");
        }

        await using (var superuser = NpgsqlDataSource.Create(adminShop))
        {
            await TenancyInstaller.InstallAsync(superuser);
        }

        await Db.ExecuteAsync(ConnectionString(Input.MigratorRole), $"""
            CREATE TABLE public.orders (tenant_id uuid NOT NULL, id bigint NOT NULL, amount int NOT NULL, PRIMARY KEY (tenant_id, id));
            CREATE TABLE public.notes (tenant_id uuid NOT NULL, id bigint NOT NULL, body text, PRIMARY KEY (tenant_id, id));
            {new TenantIsolationPolicy("orders", "tenant_id") { Schema = "public", AppRoles = [Input.AppRole, Input.ReadOnlyRole] }.EnableSql()}
            {new TenantIsolationPolicy("notes", "tenant_id") { Schema = "public", AppRoles = [Input.AppRole, Input.ReadOnlyRole] }.EnableSql()}
            """);
        await Db.ExecuteAsync(adminShop, File(Files, "roles.sql"));
        await using (var superuser = NpgsqlDataSource.Create(adminShop))
        {
            UserList = await HardenedConfiguration.PgBouncerUserListAsync(superuser, Input);
        }

        _reconfiguration = await Server.ReconfigureAsync(File(Files, "pg_hba.conf"), File(Files, "pgtenancy-hardening.conf"), new Dictionary<string, string>
        {
            ["server.crt"] = certificates["server.crt"],
            ["server.key"] = certificates["server.key"],
            ["ca.crt"] = certificates["ca.crt"],
            ["userlist.txt"] = UserList.Content,
            ["pgbouncer.ini"] = File(Files, "pgbouncer.ini").Replace(UserList.InstallPath, Server.ReconfiguredFilePath("userlist.txt"), StringComparison.Ordinal),
            // The same PgBouncer, told to trust another CA (the throwaway cluster's own): verify-full must refuse the server.
            ["pgbouncer-wrong-ca.ini"] = File(Files, "pgbouncer.ini")
                .Replace(UserList.InstallPath, Server.ReconfiguredFilePath("userlist.txt"), StringComparison.Ordinal)
                .Replace($"server_tls_ca_file = {Input.CaFile}", $"server_tls_ca_file = {Server.CaCertificatePath}", StringComparison.Ordinal)
                .Replace($"listen_port = {PgBouncerPort}", $"listen_port = {WrongCaPgBouncerPort}", StringComparison.Ordinal),
        });
        _pgBouncer = await Server.StartPgBouncerAsync("pgbouncer.ini", PgBouncerPort);
        ClientFolder = Directory.CreateTempSubdirectory("hardened-client-").FullName;
        System.IO.File.WriteAllText(Path.Combine(ClientFolder, "ca.crt"), certificates["ca.crt"]);
        System.IO.File.WriteAllText(Path.Combine(ClientFolder, "admin.crt"), certificates["admin.crt"]);
        System.IO.File.WriteAllText(Path.Combine(ClientFolder, "admin.key"), certificates["admin.key"]);
        System.IO.File.SetUnixFileMode(Path.Combine(ClientFolder, "admin.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>The port of the PgBouncer started from the generated pgbouncer.ini.</summary>
    public int PgBouncerPort { get; private set; }

    /// <summary>A port for a PgBouncer that trusts the wrong CA (started by the test that needs it).</summary>
    public int WrongCaPgBouncerPort { get; private set; }

    /// <summary>The generated user list (SCRAM secrets from pg_authid).</summary>
    internal HardeningFile UserList { get; private set; } = new("", "", "");

    /// <summary>The client side of the dev CA: its certificate, and the administrator's certificate and key.</summary>
    public string ClientFolder { get; private set; } = "";

    /// <summary>A login role of the input, by password, verifying the server against the dev CA once reconfigured.</summary>
    public string ConnectionString(string role, string database = Database)
    {
        var builder = new NpgsqlConnectionStringBuilder(Server.AdminConnectionString) { Username = role, Password = _passwords[role], Database = database, Pooling = false };
        if (ClientFolder.Length > 0)
        {
            builder.RootCertificate = Path.Combine(ClientFolder, "ca.crt");
        }

        return builder.ConnectionString;
    }

    /// <summary>The administrator with the generated client certificate, and no password.</summary>
    public string AdminByCertificate(string database = Database) => new NpgsqlConnectionStringBuilder(Server.AdminConnectionString)
    {
        Password = null,
        Database = database,
        RootCertificate = Path.Combine(ClientFolder, "ca.crt"),
        SslCertificate = Path.Combine(ClientFolder, "admin.crt"),
        SslKey = Path.Combine(ClientFolder, "admin.key"),
        Pooling = false,
    }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        if (_pgBouncer is not null)
        {
            await _pgBouncer.DisposeAsync();
        }

        if (_reconfiguration is not null)
        {
            await _reconfiguration.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (ClientFolder.Length > 0)
        {
            Directory.Delete(ClientFolder, recursive: true);
        }
    }

    private static string File(IReadOnlyList<HardeningFile> files, string name) => files.Single(f => f.Name == name).Content;
}
