using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Doctor.Tests;

/// <summary>
/// Two targets: a hardened database on a hardened server with WAL archiving, where no check may fire, and an insecure database
/// on a deliberately weakened server (TLS 1.2, md5 and non-TLS hba rules without a final reject, no pgaudit), where
/// every check must fire. Plus a least-privilege run as a monitoring role. The reports are made once, in order.
/// </summary>
public sealed class DoctorFixture : IAsyncLifetime
{
    public const string InsecureApp = "insecure_app";

    private PostgresServer? _weak;
    private PostgresServer? _archiving;
    private TestDatabase? _hardened;
    private string? _archive;
    private string? _insecureIni;

    public DoctorReport Hardened { get; private set; } = null!;

    public DoctorReport Insecure { get; private set; } = null!;

    public DoctorReport LeastPrivilege { get; private set; } = null!;

    /// <summary>The hardened database as its application role: bound by RLS, owns nothing.</summary>
    public string HardenedAppConnectionString => _hardened!.AppConnectionString;

    /// <summary>The hardened database as its administrator, for tests that add an object and remove it again.</summary>
    public string HardenedAdminConnectionString => _hardened!.AdminConnectionString;

    /// <summary>The insecure database as <see cref="InsecureApp"/>: BYPASSRLS, member of a BYPASSRLS role, owns a table.</summary>
    public string InsecureAppConnectionString { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        // The hardened target runs on a server of its own with WAL archiving on (BAK-01), into its own folder.
        var archive = Directory.CreateTempSubdirectory("pgtenancy-archive-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(archive, (UnixFileMode)0b111_111_111); // the server's OS user writes here
        }
        _archive = archive;
        _archiving = await PostgresServer.StartAsync(b => b.WithPgBouncer().WithConfigurationOverrides(
            $"archive_mode = on\narchive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'\npgaudit.role = 'doctor_auditor'\n", null));
        _hardened = await _archiving.CreateDatabaseAsync("doctor_hardened");
        // The signed tenant context (SIG-01, SIG-02): verification installed by the owner, a key, verified policies.
        await using (var owner = NpgsqlDataSource.Create(_hardened.OwnerConnectionString))
        {
            await TenancyInstaller.InstallVerificationAsync(owner);
            await TenantSigningKeys.AddAsync(owner, TenantSigningKey.Generate(1));
        }

        var policy = new TenantIsolationPolicy("orders", "tenant_id") { Schema = "public", AppRoles = [_hardened.AppRole], Verified = true };
        await Db.ExecuteAsync(_hardened.OwnerConnectionString, $"""
            CREATE TABLE public.orders (tenant_id uuid NOT NULL, id bigint NOT NULL, code text NOT NULL, PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, code));
            CREATE TABLE public.lines (tenant_id uuid NOT NULL, order_id bigint NOT NULL, FOREIGN KEY (tenant_id, order_id) REFERENCES public.orders (tenant_id, id));
            {policy.EnableSql()}
            {new TenantIsolationPolicy("lines", "tenant_id") { Schema = "public", AppRoles = [_hardened.AppRole], Verified = true }.EnableSql()}
            CREATE INDEX ON public.lines (tenant_id, order_id);
            CREATE VIEW public.order_codes WITH (security_invoker = true) AS SELECT tenant_id, code FROM public.orders;
            {TenantRoles.GrantDml(_hardened.AppRole, "public")}
            """);
        // Object audit (AUD-02): the extension (the test server installs it) and the audit role granted on every tenant table.
        await Db.ExecuteAsync(_hardened.AdminConnectionString, $"""
            CREATE EXTENSION IF NOT EXISTS pgaudit;
            {TenantRoles.HideOtherSessionsQueries()}
            CREATE ROLE doctor_auditor NOLOGIN;
            GRANT SELECT, INSERT, UPDATE, DELETE ON public.orders, public.lines TO doctor_auditor;
            """);
        // BAK-02 and BAK-03: an encrypted repository whose passphrase is elsewhere, and a fresh passing restore test.
        var hardenedBackup = Path.Combine(_archiving.WorkingDirectory!, "pgbackrest.conf");
        File.WriteAllText(hardenedBackup, "[global]\nrepo1-path=/var/lib/pgbackrest\nrepo1-cipher-type=aes-256-cbc\n\n[shop]\npg1-path=/var/lib/postgresql/15/main\n");
        var hardenedRestore = Path.Combine(_archiving.WorkingDirectory!, "restore.json");
        File.WriteAllText(hardenedRestore, """{ "stanza": "shop", "target": "latest", "passed": true, "compared": true }""");
        var hardenedInfo = Path.Combine(_archiving.WorkingDirectory!, "pgbackrest-info.json");
        File.WriteAllText(hardenedInfo, BackupInfo(DateTimeOffset.UtcNow.AddHours(-3), error: false));
        Hardened = await RunAsync(_hardened.AdminConnectionString, _hardened.AppRole, Path.Combine(_archiving.WorkingDirectory!, "pgbouncer.ini"), hardenedBackup, hardenedRestore, hardenedInfo);

        await Db.ExecuteAsync(_hardened.AdminConnectionString, $"""
            CREATE ROLE doctor_monitor LOGIN PASSWORD 'monitor-password-1';
            GRANT CONNECT ON DATABASE doctor_hardened TO doctor_monitor;
            """);
        var monitor = new NpgsqlConnectionStringBuilder(_hardened.AdminConnectionString) { Username = "doctor_monitor", Password = "monitor-password-1", Pooling = false };
        LeastPrivilege = await RunAsync(monitor.ConnectionString, _hardened.AppRole);

        _weak = await PostgresServer.StartAsync(b => b.WithPgAudit(false).WithConfigurationOverrides(
            "ssl_min_protocol_version = 'TLSv1.2'\n",
            "hostssl all all 127.0.0.1/32 scram-sha-256\nhost all all 0.0.0.0/0 md5\nhost all all 10.0.0.0/8 trust\n"));
        var insecure = await _weak.CreateDatabaseAsync("doctor_insecure");
        await Db.ExecuteAsync(insecure.AdminConnectionString, $"""
            CREATE ROLE insecure_admin NOLOGIN BYPASSRLS;
            CREATE ROLE {InsecureApp} LOGIN BYPASSRLS CREATEDB IN ROLE insecure_admin;
            GRANT pg_read_all_data TO {InsecureApp};
            GRANT CREATE ON SCHEMA public TO PUBLIC;
            SET password_encryption = 'md5';
            CREATE ROLE weak_password LOGIN PASSWORD 'not-scram';
            RESET password_encryption;
            CREATE ROLE other_role NOLOGIN;

            CREATE TABLE public.no_rls (tenant_id uuid, id int);
            CREATE TABLE public.owned (tenant_id uuid NOT NULL, id int);
            ALTER TABLE public.owned OWNER TO {InsecureApp};
            CREATE TABLE public.leaky (tenant_id uuid NOT NULL, code text UNIQUE);
            CREATE INDEX ON public.leaky (tenant_id);
            ALTER TABLE public.leaky ENABLE ROW LEVEL SECURITY;
            ALTER TABLE public.leaky FORCE ROW LEVEL SECURITY;
            CREATE POLICY everything ON public.leaky USING (true);
            CREATE POLICY strict_setting ON public.leaky AS RESTRICTIVE FOR SELECT TO other_role USING (tenant_id = current_setting('app.tenant_id')::uuid);
            GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON public.leaky TO {InsecureApp};
            CREATE TABLE public.leaky_child (tenant_id uuid NOT NULL, code text REFERENCES public.leaky (code));
            CREATE UNIQUE INDEX leaky_lower_code ON public.leaky (lower(code));
            CREATE TABLE public.keyed_without_rls (tenant_id uuid NOT NULL, id int, sku text UNIQUE, PRIMARY KEY (tenant_id, id));
            -- Text tenants under a case-insensitive collation: 'acme' and 'ACME' are one tenant to the policy's =.
            CREATE COLLATION case_insensitive (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
            CREATE TABLE public.loose (tenant_id text COLLATE case_insensitive NOT NULL, id int, PRIMARY KEY (tenant_id, id));
            -- As EF Core names columns by default: still a tenant table.
            CREATE TABLE public."Leaks" ("TenantId" uuid NOT NULL, "Id" int);
            GRANT SELECT, TRUNCATE ON public."Leaks" TO {InsecureApp};
            -- Its tenant column named otherwise, but PgTenancy's policy on it: a tenant table too.
            CREATE TABLE public.by_policy (org uuid NOT NULL, id int);
            ALTER TABLE public.by_policy ENABLE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON public.by_policy USING (org = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
            GRANT SELECT, TRUNCATE ON public.by_policy TO {InsecureApp};
            ALTER TABLE public.leaky_child ENABLE ROW LEVEL SECURITY;
            CREATE VIEW public.leaky_codes AS SELECT code FROM public.leaky;
            GRANT SELECT ON public.leaky_codes TO {InsecureApp};
            CREATE FUNCTION public.all_codes() RETURNS SETOF text LANGUAGE sql SECURITY DEFINER AS $$ SELECT code FROM public.leaky $$;
            ALTER ROLE {InsecureApp} IN DATABASE doctor_insecure SET app.tenant_id = 'aaaaaaaa-0000-4000-8000-000000000001';
            GRANT TEMPORARY ON DATABASE doctor_insecure TO {InsecureApp};
            """);
        // A verifier made unsafely, with its keys readable by the application role (SIG-02); the policies stay unverified (SIG-01).
        await using (var admin = NpgsqlDataSource.Create(insecure.AdminConnectionString))
        {
            await TenancyInstaller.InstallVerificationAsync(admin);
        }

        await Db.ExecuteAsync(insecure.AdminConnectionString, $"""
            ALTER FUNCTION pgtenancy.verified_tenant(text) SECURITY INVOKER RESET search_path;
            GRANT SELECT ON pgtenancy.tenant_keys TO {InsecureApp};
            """);
        // A live session without TLS, which the weakened pg_hba.conf lets in (TLS-02).
        await using var plain = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(insecure.AdminConnectionString) { SslMode = SslMode.Disable, Pooling = false }.ConnectionString);
        await plain.OpenAsync();
        _insecureIni = Path.Combine(archive, "insecure-pgbouncer.ini");
        File.WriteAllText(_insecureIni, $"""
            [databases]
            * = host=127.0.0.1
            [pgbouncer]
            listen_addr = *
            auth_type = md5
            client_tls_sslmode = disable
            server_tls_sslmode = require
            admin_users = postgres, {InsecureApp}
            """);
        // An unencrypted repository whose passphrase line sits in a world-readable file, and a failed restore test.
        var insecureBackup = Path.Combine(archive, "insecure-pgbackrest.conf");
        File.WriteAllText(insecureBackup, "[global]\nrepo1-path=/var/lib/pgbackrest\nrepo1-cipher-type=none\nrepo1-cipher-pass=readable-by-all\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(insecureBackup, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        var insecureRestore = Path.Combine(archive, "insecure-restore.json");
        File.WriteAllText(insecureRestore, """{ "stanza": "shop", "target": "latest", "passed": false, "compared": true }""");
        var insecureInfo = Path.Combine(archive, "insecure-pgbackrest-info.json");
        File.WriteAllText(insecureInfo, BackupInfo(DateTimeOffset.UtcNow.AddDays(-3), error: false));
        Insecure = await RunAsync(insecure.AdminConnectionString, InsecureApp, _insecureIni, insecureBackup, insecureRestore, insecureInfo);

        // Let the insecure role log in, so the health check and the startup guard can run as it.
        await Db.ExecuteAsync(insecure.AdminConnectionString, $"ALTER ROLE {InsecureApp} PASSWORD 'insecure-app-password-1'; GRANT CONNECT ON DATABASE doctor_insecure TO {InsecureApp}");
        InsecureAppConnectionString = new NpgsqlConnectionStringBuilder(insecure.AdminConnectionString)
        {
            Username = InsecureApp, Password = "insecure-app-password-1", Pooling = false,
        }.ConnectionString;
    }

    private static async Task<DoctorReport> RunAsync(
        string connectionString, string appRole, string? pgBouncerConfig = null, string? pgBackRestConfig = null, string? restoreReport = null, string? backupInfo = null)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        return await TenancyDoctor.RunAsync(dataSource, new DoctorOptions
        {
            AppRole = appRole, PgBouncerConfigPath = pgBouncerConfig, PgBackRestConfigPath = pgBackRestConfig, RestoreReportPath = restoreReport, PgBackRestInfoPath = backupInfo,
        });
    }

    /// <summary>The part of pgbackrest info --output=json that BAK-04 reads: one stanza with one full backup that stopped at <paramref name="stop"/>.</summary>
    private static string BackupInfo(DateTimeOffset stop, bool error) =>
        $$"""[{ "name": "shop", "cipher": "aes-256-cbc", "backup": [{ "label": "full", "type": "full", "error": {{(error ? "true" : "false")}}, "timestamp": { "start": {{stop.ToUnixTimeSeconds() - 60}}, "stop": {{stop.ToUnixTimeSeconds()}} } }] }]""";

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_hardened is not null)
        {
            await Db.ExecuteAsync(_hardened.AdminConnectionString, "REVOKE CONNECT ON DATABASE doctor_hardened FROM doctor_monitor");
            await _hardened.DisposeAsync();
            await Db.ExecuteAsync(_archiving!.AdminConnectionString, "DROP ROLE IF EXISTS doctor_monitor; DROP ROLE IF EXISTS doctor_auditor");
        }

        if (_archiving is not null)
        {
            await _archiving.DisposeAsync();
        }

        if (_archive is not null)
        {
            Directory.Delete(_archive, recursive: true);
        }

        if (_weak is not null)
        {
            await _weak.DisposeAsync();
        }
    }
}
