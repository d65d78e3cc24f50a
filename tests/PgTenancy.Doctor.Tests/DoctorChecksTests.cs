using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Doctor.Tests;

/// <summary>Each check both ways: silent on the hardened database, firing on the insecure one.</summary>
[Collection(DoctorReports.Name)]
public sealed class DoctorChecksTests(DoctorFixture doctor)
{
    // The Citus checks apply to a Citus coordinator only (left out of these plain servers' reports): PgTenancy.Citus.Tests runs them.
    public static TheoryData<string> CheckIds() => [.. TenancyDoctor.Checks.Select(c => c.Id).Where(id => !id.StartsWith("CIT-", StringComparison.Ordinal))];

    [Theory]
    [MemberData(nameof(CheckIds))]
    public void Check_passes_on_the_hardened_database(string id)
    {
        var result = doctor.Hardened.Results.Single(r => r.Check.Id == id);

        Assert.True(result.Status == CheckStatus.Passed,
            $"{id} {result.Status}: {string.Join("; ", result.Findings.Select(f => f.Subject + ": " + f.Message))}{result.NotCheckedReason}");
    }

    [Theory]
    [MemberData(nameof(CheckIds))]
    public void Check_fires_on_the_insecure_database(string id)
    {
        var result = doctor.Insecure.Results.Single(r => r.Check.Id == id);

        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.All(result.Findings, f => Assert.False(string.IsNullOrWhiteSpace(f.Message)));
    }

    [Theory]
    [InlineData("ROLE-01", "role insecure_app", "BYPASSRLS, CREATEDB")]
    [InlineData("ROLE-02", "role insecure_app", "insecure_admin (BYPASSRLS)")]
    [InlineData("ROLE-03", "public.owned", "owned by insecure_app")]
    [InlineData("ROLE-04", "schema public", "PUBLIC has CREATE")]
    [InlineData("ROLE-05", "role insecure_app", "pg_read_all_data")]
    [InlineData("ROLE-06", "public.leaky", "TRUNCATE")]
    [InlineData("RLS-01", "public.no_rls", "row-level security is off")]
    [InlineData("RLS-01", "public.\"Leaks\"", "row-level security is off")]
    [InlineData("ROLE-06", "public.\"Leaks\"", "TRUNCATE")]
    [InlineData("ROLE-06", "public.by_policy", "TRUNCATE")]
    [InlineData("RLS-02", "public.leaky policy everything", "true")]
    [InlineData("RLS-03", "public.leaky policy strict_setting", "without missing_ok")]
    [InlineData("RLS-04", "public.leaky policy strict_setting", "other_role")]
    [InlineData("RLS-05", "public.leaky_codes", "as its owner")]
    [InlineData("RLS-06", "public.all_codes()", "superuser")]
    [InlineData("RLS-07", "public.no_rls", "nullable")]
    [InlineData("RLS-08", "public.leaky leaky_code_key", "unique key without the tenant column")]
    [InlineData("RLS-08", "public.leaky_child leaky_child_code_fkey", "foreign key to public.leaky without the tenant column")]
    [InlineData("RLS-08", "public.keyed_without_rls keyed_without_rls_sku_key", "unique key without the tenant column")]
    [InlineData("RLS-08", "public.leaky leaky_lower_code", "unique index without the tenant column")]
    [InlineData("RLS-09", "role insecure_app in database doctor_insecure", "app.tenant_id")]
    [InlineData("RLS-10", "public.loose.tenant_id", "nondeterministic collation case_insensitive")]
    [InlineData("SIG-01", "public.leaky policy strict_setting", "raw tenant setting")]
    [InlineData("BAK-02", null, "repo1-cipher-type is none")]
    [InlineData("BAK-02", null, "group or other users can read")]
    [InlineData("BAK-03", null, "the last restore test failed")]
    [InlineData("BAK-04", null, "the newest successful backup of stanza shop is 72 hours old")]
    [InlineData("SIG-02", "pgtenancy.verified_tenant(text)", "is not SECURITY DEFINER; has no pinned search_path")]
    [InlineData("SIG-02", "pgtenancy.tenant_keys", "can be read or changed by insecure_app")]
    [InlineData("SES-01", "database doctor_insecure", "temporary objects")]
    [InlineData("SES-01", "view pg_catalog.pg_stat_activity", "query text")]
    [InlineData("TLS-01", "setting ssl_min_protocol_version", "TLSv1.2")]
    [InlineData("PWD-01", "role weak_password", "non-SCRAM")]
    [InlineData("HBA-01", "pg_hba.conf", "explicit reject")]
    [InlineData("HBA-01", "pg_hba.conf line 3", "uses trust")]
    [InlineData("HBA-01", "pg_hba.conf line 2", "accepts connections from any address (0.0.0.0/0.0.0.0)")]
    [InlineData("RLS-04", "public.leaky policy everything", "applies to PUBLIC")]
    [InlineData("AUD-01", "setting shared_preload_libraries", "pgaudit")]
    [InlineData("AUD-02", "setting shared_preload_libraries", "no object audit")]
    [InlineData("HBA-02", "pg_hba.conf line 2", "by md5 from 0.0.0.0")]
    [InlineData("BAK-01", "setting archive_mode", "is off")]
    [InlineData("TLS-02", null, "is not encrypted")]
    [InlineData("PGB-01", null, "auth_type is md5")]
    [InlineData("PGB-02", null, "client_tls_sslmode is disable")]
    [InlineData("PGB-03", null, "server_tls_ca_file is not set")]
    [InlineData("PGB-04", null, "listen_addr is *")]
    [InlineData("PGB-05", null, "admin_users includes the application role insecure_app")]
    public void Findings_name_the_object_and_the_problem(string id, string? subject, string message)
    {
        var findings = doctor.Insecure.Results.Single(r => r.Check.Id == id).Findings;

        Assert.Contains(findings, f => (subject is null || f.Subject == subject) && f.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void A_policy_to_PUBLIC_is_medium_because_it_restricts_more_roles_and_one_that_skips_the_app_role_is_high()
    {
        var findings = doctor.Insecure.Results.Single(r => r.Check.Id == "RLS-04").Findings;

        var toPublic = findings.Where(f => f.Message.Contains("applies to PUBLIC", StringComparison.Ordinal)).ToList();
        var skippingTheApp = findings.Where(f => f.Message.Contains("not to the application role", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(toPublic);
        Assert.NotEmpty(skippingTheApp);
        Assert.All(toPublic, f => Assert.Equal(Severity.Medium, f.Severity));
        Assert.All(skippingTheApp, f => Assert.Equal(Severity.High, f.Severity));
    }

    [Fact]
    public async Task A_tenant_table_the_audit_role_cannot_see_is_reported_with_the_missing_privileges()
    {
        var policy = new TenantIsolationPolicy("unaudited", "tenant_id") { Schema = "audit_gap" };
        await Db.ExecuteAsync(doctor.HardenedAdminConnectionString, $"""
            CREATE SCHEMA audit_gap;
            CREATE TABLE audit_gap.unaudited (tenant_id uuid NOT NULL, id int);
            {policy.EnableSql()}
            GRANT SELECT ON audit_gap.unaudited TO doctor_auditor;
            """);
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(doctor.HardenedAdminConnectionString);
            var report = await TenancyDoctor.RunAsync(dataSource, new DoctorOptions { AppRole = "doctor_auditor" }, TestContext.Current.CancellationToken);

            var finding = Assert.Single(report.Results.Single(r => r.Check.Id == "AUD-02").Findings);
            Assert.Equal("audit_gap.unaudited", finding.Subject);
            Assert.Equal("is not audited for INSERT, UPDATE, DELETE: grant it to the audit role doctor_auditor", finding.Message);
        }
        finally
        {
            await Db.ExecuteAsync(doctor.HardenedAdminConnectionString, "DROP SCHEMA audit_gap CASCADE");
        }
    }

    [Fact]
    public void TLS_1_2_is_a_medium_finding_of_the_high_TLS_check()
    {
        var finding = Assert.Single(doctor.Insecure.Results.Single(r => r.Check.Id == "TLS-01").Findings);

        Assert.Equal(Severity.High, TenancyDoctor.Checks.Single(c => c.Id == "TLS-01").Severity);
        Assert.Equal(Severity.Medium, finding.Severity);
    }

    [Fact]
    public async Task An_application_role_that_does_not_exist_is_reported_and_no_role_check_errors()
    {
        await using var dataSource = NpgsqlDataSource.Create(doctor.HardenedAdminConnectionString);

        var report = await TenancyDoctor.RunAsync(dataSource, new DoctorOptions { AppRole = "no_such_role" }, TestContext.Current.CancellationToken);

        var finding = Assert.Single(report.Results.Single(r => r.Check.Id == "ROLE-01").Findings);
        Assert.Equal("role no_such_role", finding.Subject);
        Assert.StartsWith("does not exist", finding.Message, StringComparison.Ordinal);
        Assert.All(report.Results.Where(r => r.Check.Id.StartsWith("ROLE-0", StringComparison.Ordinal) && r.Check.Id != "ROLE-01"),
            r => Assert.Equal(CheckStatus.Passed, r.Status));
    }

    [Fact]
    public void A_least_privileged_run_reports_privileged_checks_as_not_checked_never_passed()
    {
        var privileged = doctor.LeastPrivilege.Results.Where(r => r.Check.Id is "PWD-01" or "HBA-01" or "AUD-01" or "AUD-02").ToList();

        Assert.Equal(4, privileged.Count);
        Assert.All(privileged, r => Assert.Equal(CheckStatus.NotChecked, r.Status));
        Assert.Contains(privileged, r => r.NotCheckedReason == "needs superuser");
        Assert.Contains(privileged, r => r.NotCheckedReason == "needs pg_read_all_settings");
    }

    [Fact]
    public void Fingerprints_are_stable_and_distinct_per_check_and_object()
    {
        var findings = doctor.Insecure.Findings.ToList();

        Assert.Equal(findings.Count, findings.Select(f => (f.CheckId, f.Subject, f.Message)).Distinct().Count());
        Assert.All(findings, f => Assert.Equal(new Finding(f.CheckId, f.Severity, f.Subject, "other").Fingerprint, f.Fingerprint));
    }
}
