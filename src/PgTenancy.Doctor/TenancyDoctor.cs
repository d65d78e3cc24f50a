using Npgsql;
using PgTenancy.Doctor.Checks;

namespace PgTenancy.Doctor;

/// <summary>
/// Audits a live server's hardening and row-level-security posture for a multi-tenant application. Connect as a role
/// that can read the catalog (superuser for every check; <c>pg_read_all_settings</c> and <c>pg_read_all_stats</c> cover
/// most): a check the connection may not run is reported as not checked, never as passed.
/// </summary>
/// <example>
/// <code>
/// var report = await TenancyDoctor.RunAsync(adminDataSource, new DoctorOptions { AppRole = "shop_app" });
/// if (report.HasFindingsAtOrAbove(Severity.High)) { … }
/// </code>
/// </example>
public static class TenancyDoctor
{
    /// <summary>The checks, in report order.</summary>
    public static IReadOnlyList<DoctorCheck> Checks { get; } = [.. CheckCatalog.All.Select(c => c.Definition), .. PgBouncerChecks.All, .. PgBackRestChecks.All];

    /// <summary>Runs every check and returns what each found.</summary>
    /// <exception cref="ArgumentException">The options name no application role.</exception>
    /// <exception cref="NpgsqlException">The server cannot be reached.</exception>
    /// <exception cref="FileNotFoundException">The PgBouncer configuration file does not exist.</exception>
    public static async Task<DoctorReport> RunAsync(NpgsqlDataSource dataSource, DoctorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AppRole, nameof(options.AppRole));
        PackageVersions.EnsureSiblingsMatch(typeof(TenancyDoctor).Assembly);
        var pgBouncer = options.PgBouncerConfigPath is { } path ? IniSection.Read(path, "pgbouncer") : null;
        var report = await RunAsync(dataSource, CheckCatalog.All, _ => options, cancellationToken).ConfigureAwait(false);
        var files = new List<CheckResult>();
        if (pgBouncer is not null)
        {
            files.AddRange(PgBouncerChecks.Run(pgBouncer, options.AppRole));
        }

        if (options.PgBackRestConfigPath is { } backupConfig)
        {
            files.Add(PgBackRestChecks.CheckEncryption(backupConfig));
        }

        if (options.RestoreReportPath is { } restoreReport)
        {
            files.Add(PgBackRestChecks.CheckRestoreTest(restoreReport, DateTimeOffset.UtcNow));
        }

        if (options.PgBackRestInfoPath is { } backupInfo)
        {
            files.Add(PgBackRestChecks.CheckRecentBackup(backupInfo, DateTimeOffset.UtcNow));
        }

        return report with { Results = [.. report.Results, .. files] };
    }

    /// <summary>
    /// Runs the checks with the given ids only: for the isolation kit's catalog oracle, which enforces the same rules
    /// through this one implementation.
    /// </summary>
    internal static Task<DoctorReport> RunChecksAsync(NpgsqlDataSource dataSource, DoctorOptions options, IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        RunAsync(dataSource, [.. CheckCatalog.All.Where(c => ids.Contains(c.Definition.Id))], _ => options, cancellationToken);

    /// <summary>The checks the application can run about itself, connected as its own role (see <see cref="CheckOwnRoleAsync"/>).</summary>
    private static readonly string[] OwnRoleCheckIds = ["ROLE-01", "ROLE-02", "ROLE-03", "ROLE-06", "RLS-01"];

    private static readonly IReadOnlyList<SqlCheck> OwnRoleChecks = [.. CheckCatalog.All.Where(c => OwnRoleCheckIds.Contains(c.Definition.Id))];

    /// <summary>
    /// Checks, through the application's own data source, that its role is subject to row-level security: not a
    /// superuser nor BYPASSRLS (nor a member of one), owns no table, has no TRUNCATE on tenant tables, and every tenant
    /// table has forced RLS. These checks need no privilege beyond the application's own.
    /// </summary>
    public static Task<DoctorReport> CheckOwnRoleAsync(NpgsqlDataSource appDataSource, string tenantColumn = TenancyDefaults.TenantColumn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(appDataSource);
        PackageVersions.EnsureSiblingsMatch(typeof(TenancyDoctor).Assembly);
        return RunAsync(appDataSource, OwnRoleChecks, connectedRole => new DoctorOptions { AppRole = connectedRole, TenantColumn = tenantColumn }, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="checks"/> in one read-only transaction; <paramref name="optionsFor"/> gets the role the
    /// connection runs as, for runs that audit that very role.
    /// </summary>
    internal static async Task<DoctorReport> RunAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<SqlCheck> checks, Func<string, DoctorOptions> optionsFor, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // Read-only, and with an empty search path: the doctor changes nothing, no object in a schema can stand in
            // for a catalog one, and every name it reports (regclass, regprocedure) comes out schema-qualified.
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var setup = new NpgsqlCommand("SET TRANSACTION READ ONLY; SET LOCAL search_path = ''", connection, transaction);
                await using (setup.ConfigureAwait(false))
                {
                    await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var privileges = await Privileges.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
                var options = optionsFor(privileges.Role);
                var tenantTables = await TenantTablesAsync(connection, transaction, options, cancellationToken).ConfigureAwait(false);
                var results = new List<CheckResult>();
                // Checks for a Citus coordinator do not apply elsewhere: left out, as the PgBouncer checks are without its file.
                foreach (var check in checks.Where(c => c.Requirement != Requirement.Citus || privileges.Citus))
                {
                    results.Add(await RunAsync(connection, transaction, check, privileges, options, cancellationToken).ConfigureAwait(false));
                }

                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return new DoctorReport($"postgresql://{connection.Host}:{connection.Port}/{connection.Database}", results) { TenantTables = tenantTables };
            }
        }
    }

    // The tables the checks treat as tenant tables, with the same rule (CheckCatalog.TenantTables).
    private static async Task<List<string>> TenantTablesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DoctorOptions options, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand($"SELECT c.oid::regclass::text FROM {CheckCatalog.TenantTables} ORDER BY 1", connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("tenant_column", options.TenantColumn);
            var tables = new List<string>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    tables.Add(reader.GetString(0));
                }
            }

            return tables;
        }
    }

    // A check's query may return a third column naming a finding's own severity (e.g. TLS 1.2 is milder than TLS 1.0).
    private static Severity FindingSeverity(NpgsqlDataReader reader, Severity checkSeverity) =>
        reader.FieldCount > 2 && !reader.IsDBNull(2) ? Enum.Parse<Severity>(reader.GetString(2), ignoreCase: true) : checkSeverity;

    private static async Task<CheckResult> RunAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SqlCheck check, Privileges privileges, DoctorOptions options, CancellationToken cancellationToken)
    {
        if (privileges.Lacks(check.Requirement) is { } missing)
        {
            return new CheckResult(check.Definition, CheckStatus.NotChecked, [], $"needs {missing}");
        }

        // A savepoint per check: a check the server refuses must not abort the others' transaction.
        await transaction.SaveAsync("pgtenancy_check", cancellationToken).ConfigureAwait(false);
        var command = new NpgsqlCommand(check.Sql, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.AddWithValue("app_role", options.AppRole);
            command.Parameters.AddWithValue("tenant_column", options.TenantColumn);
            command.Parameters.AddWithValue("tenant_setting", options.SettingName);
            command.Parameters.AddWithValue("binding_schema", options.BindingSchema);
            try
            {
                var findings = new List<Finding>();
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        findings.Add(new Finding(check.Definition.Id, FindingSeverity(reader, check.Definition.Severity), reader.GetString(0), reader.GetString(1)));
                    }
                }

                return new CheckResult(check.Definition, findings.Count == 0 ? CheckStatus.Passed : CheckStatus.Failed, findings);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                await transaction.RollbackAsync("pgtenancy_check", cancellationToken).ConfigureAwait(false);
                return new CheckResult(check.Definition, CheckStatus.NotChecked, [], $"the connection may not read what it needs ({e.MessageText})");
            }
            catch (PostgresException e) when (e.SqlState != PostgresErrorCodes.QueryCanceled)
            {
                // Another error of the server's: a check that reaches beyond the snapshot (Citus asks the workers, whose
                // tables a concurrent DROP may have taken) — reported for this check, and the others still run.
                await transaction.RollbackAsync("pgtenancy_check", cancellationToken).ConfigureAwait(false);
                return new CheckResult(check.Definition, CheckStatus.NotChecked, [], $"the server refused the check ({e.SqlState}: {e.MessageText}); run the doctor again");
            }
        }
    }
}
