using PgTenancy.Doctor.Hardening;
using System.Diagnostics;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Doctor.Tests.Hardening;

/// <summary>The hardening guide's Expected Behaviour, asserted on a server configured from the generated files.</summary>
public sealed class HardenedServerTests(HardenedServer hardened) : IClassFixture<HardenedServer>
{
    private static readonly TenantId A = TenantId.Parse("aaaaaaaa-0000-4000-8000-00000000000a");

    [Fact]
    public async Task A_client_without_TLS_is_rejected_by_pg_hba()
    {
        var plain = new NpgsqlConnectionStringBuilder(hardened.ConnectionString(hardened.Input.AppRole)) { SslMode = SslMode.Disable };

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.OpenAsync(plain.ConnectionString));

        Assert.Equal(PostgresErrorCodes.InvalidAuthorizationSpecification, error.SqlState);
        Assert.Contains("pg_hba.conf rejects connection", error.MessageText, StringComparison.Ordinal);
        Assert.Contains("no encryption", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TLS_1_2_is_refused_and_connections_use_TLS_1_3()
    {
        var tls12 = await OpenSslAsync("-tls1_2");
        var tls13 = await OpenSslAsync("-tls1_3");
        await using var app = await Db.OpenAsync(hardened.ConnectionString(hardened.Input.AppRole));

        Assert.NotEqual(0, tls12.ExitCode);
        Assert.Contains("alert", tls12.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, tls13.ExitCode);
        Assert.Contains("TLSv1.3", tls13.Output, StringComparison.Ordinal);
        Assert.Equal("TLSv1.3", await TlsVersionOfAsync(app.ProcessID));
    }

    // pg_stat_ssl is read by a monitoring role: the hardened app role reads no session statistics (they show query text).
    private async Task<string> TlsVersionOfAsync(int processId) =>
        await Db.ScalarAsync<string>(
            hardened.AdminByCertificate(), $"SET ROLE pg_monitor; SELECT version FROM pg_stat_ssl WHERE pid = {processId}");

    [Fact]
    public async Task The_administrator_needs_the_client_certificate()
    {
        var byPassword = new NpgsqlConnectionStringBuilder(hardened.Server.AdminConnectionString) { RootCertificate = Path.Combine(hardened.ClientFolder, "ca.crt") };

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => Db.OpenAsync(byPassword.ConnectionString));
        await using var admin = await Db.OpenAsync(hardened.AdminByCertificate());

        Assert.Contains("certificate", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(await Db.ScalarAsync<bool>(admin, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
    }

    [Fact]
    public async Task The_app_role_can_do_DML_on_its_tables_and_nothing_else()
    {
        await RunAsTenantAsync($"INSERT INTO orders VALUES ('{A}', 1, 5); UPDATE orders SET amount = 6; DELETE FROM orders");

        var raw = hardened.ConnectionString(hardened.Input.AppRole);
        var create = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(raw, "CREATE TABLE public.mine (id int)"));
        var truncate = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(raw, "TRUNCATE public.orders"));
        var otherDatabase = await Assert.ThrowsAsync<PostgresException>(() => Db.OpenAsync(hardened.ConnectionString(hardened.Input.AppRole, database: "postgres")));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, create.SqlState);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, truncate.SqlState);
        Assert.Equal(PostgresErrorCodes.InvalidAuthorizationSpecification, otherDatabase.SqlState);
    }

    [Fact]
    public async Task The_app_role_makes_no_temporary_objects_and_reads_no_other_sessions_query_text()
    {
        var raw = hardened.ConnectionString(hardened.Input.AppRole);

        var temporary = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(raw, "CREATE TEMP TABLE orders AS SELECT 1"));
        var activity = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(raw, "SELECT query FROM pg_stat_activity"));
        var function = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(raw, "SELECT query FROM pg_stat_get_activity(NULL)"));
        var monitoring = await Db.ScalarAsync<long>(hardened.AdminByCertificate(), "SET ROLE pg_monitor; SELECT count(*) FROM pg_stat_activity");

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, temporary.SqlState);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, activity.SqlState);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, function.SqlState);
        Assert.True(monitoring > 0);
    }

    [Fact]
    public async Task Row_level_security_isolates_tenants_by_the_isolation_kit()
    {
        await using var pool = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(hardened.ConnectionString(hardened.Input.AppRole)) { Pooling = true, MaxPoolSize = 3 }.ConnectionString);

        var report = await TenantIsolation.VerifyAsync(pool.WithTenancy(), [new TenantTable("orders"), new TenantTable("notes")],
            new IsolationOptions { OracleConnectionString = hardened.AdminByCertificate(), Cases = 30 }, TestContext.Current.CancellationToken);

        Assert.Equal(30, report.CasesRun);
    }

    [Fact]
    public async Task pgaudit_logs_DDL_writes_and_reads_of_audited_tables_but_not_reads_of_others()
    {
        var marker = $"m{Guid.NewGuid():N}"[..12];
        await Db.ExecuteAsync(hardened.ConnectionString(hardened.Input.MigratorRole), $"CREATE TABLE public.{marker} (id int)");
        await RunAsTenantAsync($"SELECT count(*) AS {marker}_audited FROM orders; SELECT count(*) AS {marker}_unaudited FROM notes; INSERT INTO notes VALUES ('{A}', 99, '{marker}_write')");

        var log = await ReadLogAsync(marker, auditLines: 3);

        Assert.Contains(log, l => l.Contains("AUDIT: SESSION", StringComparison.Ordinal) && l.Contains("DDL,CREATE TABLE", StringComparison.Ordinal) && l.Contains(marker, StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("AUDIT: OBJECT", StringComparison.Ordinal) && l.Contains("READ,SELECT,TABLE,public.orders", StringComparison.Ordinal) && l.Contains($"{marker}_audited", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("AUDIT: SESSION", StringComparison.Ordinal) && l.Contains("WRITE,INSERT,TABLE,public.notes", StringComparison.Ordinal) && l.Contains($"{marker}_write", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.Contains("AUDIT:", StringComparison.Ordinal) && l.Contains($"{marker}_unaudited", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_the_tenant_in_application_name_each_audit_line_names_its_tenant()
    {
        var marker = $"t{Guid.NewGuid():N}"[..12];
        await RunAsTenantAsync($"INSERT INTO notes VALUES ('{A}', 1000 + (random() * 100000)::int, '{marker}')", new TenancyOptions { TenantInApplicationName = true });

        var log = await ReadLogAsync(marker, auditLines: 1);

        Assert.Contains(log, l => l.Contains("AUDIT: SESSION", StringComparison.Ordinal) && l.Contains($"app=tenant:{A} ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PgBouncer_refuses_clients_without_TLS()
    {
        var plain = new NpgsqlConnectionStringBuilder(hardened.ConnectionString(hardened.Input.AppRole)) { Port = hardened.PgBouncerPort, SslMode = SslMode.Disable };

        var error = await Assert.ThrowsAnyAsync<NpgsqlException>(() => Db.OpenAsync(plain.ConnectionString));

        Assert.Contains("SSL required", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task PgBouncer_serves_the_app_role_over_TLS_and_reaches_the_server_over_verified_TLS_1_3()
    {
        var throughPgBouncer = new NpgsqlConnectionStringBuilder(hardened.ConnectionString(hardened.Input.AppRole)) { Port = hardened.PgBouncerPort };
        await using var pool = NpgsqlDataSource.Create(throughPgBouncer.ConnectionString);
        await using var app = pool.WithTenancy();
        using var scope = TenantScope.Begin(A);
        await using var connection = await app.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_user || ' ' || pg_backend_pid()";

        // Through PgBouncer, pg_backend_pid() is PgBouncer's server connection: the one it verified against the CA.
        var serverSide = ((string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!).Split(' ');
        var version = await TlsVersionOfAsync(int.Parse(serverSide[1], System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(hardened.Input.AppRole, serverSide[0]);
        Assert.Equal("TLSv1.3", version);
        Assert.Contains("server_tls_sslmode = verify-full", await File.ReadAllTextAsync(hardened.Server.ReconfiguredFilePath("pgbouncer.ini"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PgBouncer_trusting_another_CA_cannot_log_in_to_the_server()
    {
        await using var wrongCa = await hardened.Server.StartPgBouncerAsync("pgbouncer-wrong-ca.ini", hardened.WrongCaPgBouncerPort, TestContext.Current.CancellationToken);
        var throughIt = new NpgsqlConnectionStringBuilder(hardened.ConnectionString(hardened.Input.AppRole)) { Port = hardened.WrongCaPgBouncerPort, Timeout = 3, CommandTimeout = 3 };

        // PgBouncer authenticates the client itself, then fails verify-full on each attempt at a server connection, so
        // the client is never served (it times out waiting for the server parameters PgBouncer needs to finish the client login).
        await Assert.ThrowsAnyAsync<NpgsqlException>(async () =>
        {
            await using var connection = await Db.OpenAsync(throughIt.ConnectionString);
            await Db.ScalarAsync<int>(connection, "SELECT 1");
        });

        Assert.Contains("certificate verify failed", await File.ReadAllTextAsync(hardened.Server.ReconfiguredFilePath("pgbouncer-wrong-ca.ini.log"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_doctor_reports_nothing_at_high_or_above()
    {
        await using var admin = NpgsqlDataSource.Create(hardened.AdminByCertificate());

        var report = await TenancyDoctor.RunAsync(admin, new DoctorOptions { AppRole = hardened.Input.AppRole, PgBouncerConfigPath = hardened.Server.ReconfiguredFilePath("pgbouncer.ini") }, TestContext.Current.CancellationToken);

        var serious = report.Findings.Where(f => f.Severity >= Severity.High).Select(f => $"{f.CheckId} {f.Subject}: {f.Message}").ToList();
        Assert.True(serious.Count == 0, string.Join("\n", serious));
    }

    /// <summary>Runs <paramref name="sql"/> as the app role for tenant A, bound by a TenantDataSource.</summary>
    private async Task RunAsTenantAsync(string sql, TenancyOptions? options = null)
    {
        await using var pool = NpgsqlDataSource.Create(hardened.ConnectionString(hardened.Input.AppRole));
        // The test's own SQL, several statements at a time: allowed here, refused by default for what may be injected.
        await using var app = pool.WithTenancy((options ?? TenancyOptions.Default) with { AllowMultipleStatements = true });
        using var scope = TenantScope.Begin(A);
        await using var connection = await app.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private async Task<(int ExitCode, string Output)> OpenSslAsync(string protocol)
    {
        var start = new ProcessStartInfo("openssl", ["s_client", "-connect", $"127.0.0.1:{hardened.Port}", "-starttls", "postgres", protocol, "-CAfile", Path.Combine(hardened.ClientFolder, "ca.crt")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken) + await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, output);
    }

    /// <summary>The server log's lines that mention the marker, after the server has flushed them.</summary>
    private async Task<List<string>> ReadLogAsync(string marker, int auditLines)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var stream = new FileStream(hardened.Server.LogFilePath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var lines = (await reader.ReadToEndAsync(TestContext.Current.CancellationToken)).Split('\n').Where(l => l.Contains(marker, StringComparison.Ordinal)).ToList();
            if (lines.Count(l => l.Contains("AUDIT:", StringComparison.Ordinal)) >= auditLines || attempt == 20)
            {
                return lines;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
