using System.Text.RegularExpressions;
using Npgsql;
using PgTenancy.Catalog;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// The catalog oracle: before any case runs, every tenant table — and every partition of one, which a statement can
/// name directly — must have RLS enabled and forced, a policy for the app role with a USING and a WITH CHECK on the
/// tenant column, and no privilege that bypasses RLS; the app role must not be a superuser, BYPASSRLS, the owner or a
/// member of it, nor a member of any superuser or BYPASSRLS role. Around the tables, the doctor's own rules (one
/// implementation) for views that read as their owner, SECURITY DEFINER functions the app can call, a tenant pinned as
/// a role's or database's default, and tenant columns under a nondeterministic collation. Keys without the tenant
/// column are reported as the options say. Each finding names the object and the fix.
/// </summary>
internal static partial class CatalogOracle
{
    private const string RoleSql = $"""
        SELECT r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = $1 AND {CatalogRules.EscapesRowSecurity}
        """;

    // Roles the app role can act as (SET ROLE, or set_config('role', …) from a single injected statement) that row-level
    // security does not apply to: the same rule as the doctor's ROLE-02.
    private static readonly string EscapingMembershipSql = $"""
        SELECT r.rolname, r.rolsuper FROM pg_roles r
        WHERE {CatalogRules.EscapesRowSecurity} AND r.rolname <> $1 AND {CatalogRules.CanActAs("$1", "r.oid")}
        ORDER BY r.rolname
        """;

    private static readonly string TableSql = $"""
        SELECT c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner),
               {CatalogRules.CanActAs("$2", "c.relowner")},
               {CatalogRules.HasTablePrivilege("$2", "c.oid", "TRUNCATE")}, {CatalogRules.HasTablePrivilege("$2", "c.oid", "REFERENCES")}
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $3 AND c.relname = $1
        """;

    private static readonly string PoliciesSql = $"""
        SELECT p.polname, p.polcmd::text, p.polpermissive,
               pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $3 AND c.relname = $1
          AND {CatalogRules.PolicyAppliesTo("$2", "p.polroles")}
        ORDER BY p.polname
        """;

    public static async Task<(List<string> Errors, List<string> Warnings)> CheckAsync(
        NpgsqlDataSource oracle, string appRole, string settingName, TableShape[] tables, IsolationSeverity keysWithoutTenant, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        var role = await OracleSql.QueryAsync(oracle, RoleSql, [appRole], cancellationToken).ConfigureAwait(false);
        if (role.Count == 1 && (bool)role[0][0]!)
        {
            errors.Add($"The app role \"{appRole}\" is a superuser: row-level security never applies to it. Connect the application as a role without SUPERUSER.");
        }

        if (role.Count == 1 && (bool)role[0][1]!)
        {
            errors.Add($"The app role \"{appRole}\" has BYPASSRLS: row-level security never applies to it. Run ALTER ROLE \"{appRole}\" NOBYPASSRLS.");
        }

        foreach (var member in await OracleSql.QueryAsync(oracle, EscapingMembershipSql, [appRole], cancellationToken).ConfigureAwait(false))
        {
            var (name, superuser) = ((string)member[0]!, (bool)member[1]!);
            errors.Add($"The app role \"{appRole}\" is a member of \"{name}\", {(superuser ? "a superuser" : "a BYPASSRLS role")}: with SET ROLE (or set_config('role', …) in one injected statement) it acts as a role that row-level security does not apply to. Run REVOKE \"{name}\" FROM \"{appRole}\".");
        }

        foreach (var table in tables)
        {
            await CheckTableAsync(oracle, appRole, settingName, table, errors, cancellationToken).ConfigureAwait(false);
            // A partition the app role holds no privilege on is reached only through its parent, under the parent's policies.
            foreach (var partition in table.Partitions)
            {
                var reachable = await OracleSql.QueryAsync(oracle, "SELECT pg_catalog.has_table_privilege($1, format('%I.%I', $2, $3)::regclass, 'SELECT, INSERT, UPDATE, DELETE')",
                    [appRole, partition.Schema, partition.Name], cancellationToken).ConfigureAwait(false);
                if ((bool)reachable[0][0]!)
                {
                    await CheckTableAsync(oracle, appRole, settingName, table.AsPartition(partition), errors, cancellationToken).ConfigureAwait(false);
                }
            }

            var keyFindings = (keysWithoutTenant == IsolationSeverity.Error ? errors : warnings);
            if (keysWithoutTenant != IsolationSeverity.Off)
            {
                CheckKeys(table, tables, keyFindings);
            }
        }

        errors.AddRange(await DoctorRulesAsync(oracle, appRole, settingName, tables, cancellationToken).ConfigureAwait(false));
        return (errors, warnings);
    }

    /// <summary>The doctor's checks of the objects around the tenant tables, run through the doctor itself.</summary>
    private static readonly string[] DoctorCheckIds = ["RLS-05", "RLS-06", "RLS-09", "RLS-10"];

    private static async Task<IEnumerable<string>> DoctorRulesAsync(
        NpgsqlDataSource oracle, string appRole, string settingName, TableShape[] tables, CancellationToken cancellationToken)
    {
        var findings = new List<string>();
        foreach (var tenantColumn in tables.Select(t => t.TenantColumn).Distinct(StringComparer.Ordinal))
        {
            var options = new PgTenancy.Doctor.DoctorOptions { AppRole = appRole, TenantColumn = tenantColumn, SettingName = settingName };
            var report = await PgTenancy.Doctor.TenancyDoctor.RunChecksAsync(oracle, options, DoctorCheckIds, cancellationToken).ConfigureAwait(false);
            findings.AddRange(from result in report.Results
                              from finding in result.Findings
                              where result.Check.Id != "RLS-09" || ConcernsAppRole(finding.Subject, appRole)
                              select $"{finding.Subject} {finding.Message} ({result.Check.Id}: {result.Check.Title}). {result.Check.Remediation}");
        }

        return findings.Distinct(StringComparer.Ordinal);
    }

    /// <summary>
    /// A setting pinned for this app role or for every role ("role app in database …", "role * in database …"): the
    /// doctor reports every role's, but another role's default does not reach the app role's statements.
    /// </summary>
    private static bool ConcernsAppRole(string subject, string appRole) =>
        subject.StartsWith($"role {appRole} in ", StringComparison.Ordinal) || subject.StartsWith("role * in ", StringComparison.Ordinal);

    private static async Task CheckTableAsync(NpgsqlDataSource oracle, string appRole, string settingName, TableShape table, List<string> errors, CancellationToken cancellationToken)
    {
        var name = table.Table;
        var row = (await OracleSql.QueryAsync(oracle, TableSql, [name.Name, appRole, name.Schema], cancellationToken).ConfigureAwait(false))[0];
        var (enabled, forced, owner, appIsMember) = ((bool)row[0]!, (bool)row[1]!, (string)row[2]!, (bool)row[3]!);
        if (!enabled)
        {
            errors.Add($"Table \"{name}\" does not have row-level security enabled: every role with SELECT sees every tenant's rows. Run migrationBuilder.EnableTenantIsolation(\"{name.Name}\") (ENABLE and FORCE ROW LEVEL SECURITY plus the tenant policy).");
        }
        else if (!forced)
        {
            errors.Add(owner == appRole || appIsMember
                ? $"Table \"{name}\" has row-level security enabled but not forced, and the app role \"{appRole}\" {(owner == appRole ? "owns it" : $"is a member of its owner \"{owner}\"")}: the owner bypasses RLS, so the app reads every tenant's rows. Run ALTER TABLE {table.Sql} FORCE ROW LEVEL SECURITY, and let a separate owner role own the table."
                : $"Table \"{name}\" has row-level security enabled but not forced: its owner \"{owner}\" bypasses RLS (migrations, jobs run as the owner see every tenant). Run ALTER TABLE {table.Sql} FORCE ROW LEVEL SECURITY.");
        }

        if (enabled && owner == appRole)
        {
            errors.Add($"The app role \"{appRole}\" owns table \"{name}\": an owner can disable row-level security and drop its policies. Let a separate owner role own the table.");
        }
        else if (enabled && appIsMember)
        {
            errors.Add($"The app role \"{appRole}\" is a member of \"{owner}\", the owner of table \"{name}\": it can act as the owner, disable row-level security and drop its policies. Run REVOKE \"{owner}\" FROM \"{appRole}\".");
        }

        if ((bool)row[4]!)
        {
            errors.Add($"The app role \"{appRole}\" has TRUNCATE on \"{name}\": TRUNCATE ignores row-level security and empties every tenant. Run REVOKE TRUNCATE ON {table.Sql} FROM \"{appRole}\".");
        }

        if ((bool)row[5]!)
        {
            errors.Add($"The app role \"{appRole}\" has REFERENCES on \"{name}\": a foreign key from its own table would probe every tenant's keys. Run REVOKE REFERENCES ON {table.Sql} FROM \"{appRole}\".");
        }

        if (enabled)
        {
            var policies = await OracleSql.QueryAsync(oracle, PoliciesSql, [name.Name, appRole, name.Schema], cancellationToken).ConfigureAwait(false);
            CheckPolicies(table, appRole, settingName, policies, errors);
        }
    }

    private static void CheckPolicies(TableShape table, string appRole, string settingName, List<object?[]> policies, List<string> errors)
    {
        var name = table.Table;
        var permissive = policies.Where(p => (bool)p[2]!).ToList();
        if (permissive.Count == 0)
        {
            errors.Add($"Table \"{name}\" has no permissive policy for the app role \"{appRole}\": every statement sees zero rows. Run migrationBuilder.EnableTenantIsolation(\"{name.Name}\", appRoles: [\"{appRole}\"]).");
            return;
        }

        foreach (var policy in permissive)
        {
            var (policyName, command, qual, check) = ((string)policy[0]!, (string)policy[1]!, (string?)policy[3], (string?)policy[4]);
            var where = $"Policy \"{policyName}\" on \"{name}\"";
            if (qual is not null && !KeyedOnTenant(qual, table.TenantColumn, settingName, out var qualProblem))
            {
                errors.Add($"{where} has USING ({qual}), which {qualProblem}: it lets a tenant read or change other tenants' rows. Use USING ({table.TenantColumn} = (SELECT NULLIF(current_setting('{settingName}', true), '')::…)).");
            }

            // '*' is ALL, 'a' INSERT, 'w' UPDATE: they decide which new rows may be written.
            if (command is "*" or "a" or "w")
            {
                if (check is null && command == "a")
                {
                    errors.Add($"{where} allows INSERT without a WITH CHECK: a tenant can write rows for another tenant. Add WITH CHECK ({table.TenantColumn} = …).");
                }
                else if (check is null)
                {
                    errors.Add($"{where} has no WITH CHECK: PostgreSQL then checks new rows with USING alone, which is easy to lose when the policy is edited. Add WITH CHECK ({table.TenantColumn} = …) explicitly.");
                }
                else if (!KeyedOnTenant(check, table.TenantColumn, settingName, out var checkProblem))
                {
                    errors.Add($"{where} has WITH CHECK ({check}), which {checkProblem}: a tenant can write rows for another tenant. Use WITH CHECK ({table.TenantColumn} = (SELECT NULLIF(current_setting('{settingName}', true), '')::…)).");
                }
            }
        }
    }

    private static bool KeyedOnTenant(string expression, string tenantColumn, string settingName, out string problem)
    {
        problem = "";
        if (CatalogRules.IsAlwaysTrue(expression))
        {
            problem = "is always true";
        }
        else if (!Regex.IsMatch(StringLiteral().Replace(expression, "''"), $@"(?<![\w$.]){Regex.Escape(tenantColumn)}(?![\w$])|""{Regex.Escape(tenantColumn)}"""))
        {
            problem = $"does not compare the tenant column \"{tenantColumn}\"";
        }
        else if (!expression.Contains(settingName, StringComparison.Ordinal))
        {
            problem = $"does not read the tenant setting '{settingName}'";
        }

        return problem.Length == 0;
    }

    private static void CheckKeys(TableShape table, TableShape[] tables, List<string> findings)
    {
        foreach (var key in table.UniqueKeys.Where(k => !k.IncludesTenant))
        {
            var serverKey = key.IsPrimaryKey && key.Columns.All(c => table.Column(c).ServerSupplied);
            if (!serverKey)
            {
                findings.Add($"Unique key \"{key.Name}\" on \"{table.Table}\" ({string.Join(", ", key.Columns)}) does not include the tenant column: uniqueness is checked across tenants without row-level security, so a tenant learns whether another tenant has a value. Make it unique per tenant: ({table.TenantColumn}, {string.Join(", ", key.Columns)}).");
            }
        }

        foreach (var key in table.ExpressionKeys.Where(k => !k.IncludesTenant))
        {
            findings.Add($"Unique index \"{key.Name}\" on \"{table.Table}\" is on an expression without the tenant column: uniqueness is checked across tenants without row-level security, so a tenant learns whether another tenant has a value. Put the tenant column first: ({table.TenantColumn}, …).");
        }

        foreach (var foreignKey in table.ForeignKeys.Where(f => !f.IncludesTenant))
        {
            findings.Add($"Foreign key \"{foreignKey.Name}\" from \"{table.Table}\" to \"{tables[foreignKey.ParentTable].Table}\" does not include the tenant column: it is checked without row-level security, so a row can point at another tenant's row. Reference ({table.TenantColumn}, {string.Join(", ", foreignKey.Columns)}) against a key that includes the parent's tenant column.");
        }
    }

    /// <summary>A SQL string literal, so that the setting name 'app.tenant_id' does not count as the column tenant_id.</summary>
    [GeneratedRegex("'(?:[^']|'')*'")]
    private static partial Regex StringLiteral();
}
