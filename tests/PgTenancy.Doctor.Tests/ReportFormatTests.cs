using System.Text.Json;
using System.Xml.Linq;
using Json.Schema;
using PgTenancy.Doctor.Reporting;
using Xunit;

namespace PgTenancy.Doctor.Tests;

[Collection(DoctorReports.Name)]
public sealed class ReportFormatTests(DoctorFixture doctor)
{
    private static string Render(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void The_report_names_the_tenant_tables_it_found_by_any_spelling_of_the_column_or_by_PgTenancys_policy()
    {
        var text = new StringWriter();
        TableReportWriter.Write(doctor.Insecure, text, colour: false);
        using var json = JsonDocument.Parse(Render(s => JsonReportWriter.Write(doctor.Insecure, s)));

        Assert.Contains("public.\"Leaks\"", doctor.Insecure.TenantTables);
        Assert.Contains("public.by_policy", doctor.Insecure.TenantTables);
        Assert.Contains("public.no_rls", doctor.Insecure.TenantTables);
        Assert.Contains($"{doctor.Insecure.TenantTables.Count} tenant tables found: ", text.ToString(), StringComparison.Ordinal);
        Assert.Equal(doctor.Insecure.TenantTables, json.RootElement.GetProperty("tenantTables").EnumerateArray().Select(t => t.GetString()!));
    }

    [Fact]
    public void A_database_without_tenant_tables_is_reported_as_such_not_as_a_clean_bill()
    {
        var empty = new DoctorReport("postgresql://example/empty", []);
        var text = new StringWriter();

        TableReportWriter.Write(empty, text, colour: false);

        Assert.Contains("0 tenant tables found", text.ToString(), StringComparison.Ordinal);
        Assert.Contains("--tenant-column", text.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SARIF_is_valid_against_the_official_2_1_0_schema()
    {
        var sarif = Render(s => SarifReportWriter.Write(doctor.Insecure, s));
        var schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", "sarif-schema-2.1.0.json")));

        using var document = JsonDocument.Parse(sarif);
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });

        Assert.True(result.IsValid, JsonSerializer.Serialize(result));
    }

    [Fact]
    public void Every_SARIF_result_has_a_physical_and_a_logical_location_a_fingerprint_and_a_rule_with_help()
    {
        using var sarif = JsonDocument.Parse(Render(s => SarifReportWriter.Write(doctor.Insecure, s)));
        var run = sarif.RootElement.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().ToList();
        var results = run.GetProperty("results").EnumerateArray().ToList();

        Assert.Equal(doctor.Insecure.Results.Count, rules.Count); // every check that ran (the Citus ones do not, on a plain server)
        Assert.All(rules, r => Assert.StartsWith("https://", r.GetProperty("helpUri").GetString()));
        Assert.Equal(doctor.Insecure.Findings.Count(), results.Count);
        Assert.Contains(results, r => r.GetProperty("locations")[0].GetProperty("physicalLocation").TryGetProperty("region", out var region)
            && region.GetProperty("startLine").GetInt32() > 0
            && r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString()!.EndsWith("insecure-pgbouncer.ini", StringComparison.Ordinal));
        Assert.All(results, r =>
        {
            var location = r.GetProperty("locations")[0];
            Assert.Matches("^(postgresql|file)://", location.GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.False(string.IsNullOrEmpty(location.GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString()));
            Assert.Equal(16, r.GetProperty("partialFingerprints").GetProperty("pgtenancyFinding/v1").GetString()!.Length);
            Assert.Equal(r.GetProperty("ruleId").GetString(), rules[r.GetProperty("ruleIndex").GetInt32()].GetProperty("id").GetString());
        });
    }

    [Fact]
    public void JUnit_has_a_case_per_check_and_object_with_passes_failures_and_skips()
    {
        var insecure = XDocument.Parse(Render(s => JUnitReportWriter.Write(doctor.Insecure, s)));
        var leastPrivilege = XDocument.Parse(Render(s => JUnitReportWriter.Write(doctor.LeastPrivilege, s)));
        var suite = insecure.Root!.Element("testsuite")!;

        Assert.Equal(doctor.Insecure.Findings.Count(), suite.Descendants("failure").Count());
        Assert.Equal(suite.Attribute("failures")!.Value, suite.Descendants("failure").Count().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(int.Parse(suite.Attribute("tests")!.Value, System.Globalization.CultureInfo.InvariantCulture), suite.Elements("testcase").Count());
        Assert.Contains(leastPrivilege.Descendants("skipped"), s => s.Attribute("message")!.Value.Contains("needs superuser", StringComparison.Ordinal));
        Assert.Contains(leastPrivilege.Descendants("testcase"), c => !c.HasElements);
    }

    [Fact]
    public void A_baseline_of_fingerprints_leaves_out_known_findings_and_passes_checks_left_empty()
    {
        var known = doctor.Insecure.Results.Single(r => r.Check.Id == "RLS-02").Findings.Select(f => f.Fingerprint).ToHashSet();

        var filtered = doctor.Insecure.Without(known);

        Assert.Equal(CheckStatus.Passed, filtered.Results.Single(r => r.Check.Id == "RLS-02").Status);
        Assert.Equal(doctor.Insecure.Findings.Count() - known.Count, filtered.Findings.Count());
    }
}
