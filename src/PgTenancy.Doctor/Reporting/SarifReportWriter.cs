using System.Text.Json;

namespace PgTenancy.Doctor.Reporting;

/// <summary>
/// The report as SARIF 2.1.0, for code-scanning dashboards: one rule per check (with its help link and a
/// security-severity), one result per finding with a physical location (the server and database, or the file a
/// finding is in), a logical location for the database object, and a partial fingerprint that stays the same across runs.
/// </summary>
public static class SarifReportWriter
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/>.</summary>
    public static void Write(DoctorReport report, Stream output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var rules = report.Results.Select(r => r.Check).ToList();
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        json.WriteString("version", "2.1.0");
        json.WriteStartArray("runs");
        json.WriteStartObject();

        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", "pgtenancy doctor");
        json.WriteString("informationUri", DoctorDocumentation.Base.ToString());
        json.WriteStartArray("rules");
        foreach (var rule in rules)
        {
            json.WriteStartObject();
            json.WriteString("id", rule.Id);
            json.WriteStartObject("shortDescription");
            json.WriteString("text", rule.Title);
            json.WriteEndObject();
            json.WriteStartObject("fullDescription");
            json.WriteString("text", rule.Rationale);
            json.WriteEndObject();
            json.WriteStartObject("help");
            json.WriteString("text", rule.Remediation);
            json.WriteEndObject();
            json.WriteString("helpUri", DoctorDocumentation.HelpFor(rule).ToString());
            json.WriteStartObject("defaultConfiguration");
            json.WriteString("level", Level(rule.Severity));
            json.WriteEndObject();
            json.WriteStartObject("properties");
            json.WriteString("security-severity", SecuritySeverity(rule.Severity));
            json.WriteStartArray("tags");
            json.WriteStringValue("security");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartArray("results");
        foreach (var result in report.Results)
        {
            foreach (var finding in result.Findings)
            {
                json.WriteStartObject();
                json.WriteString("ruleId", finding.CheckId);
                json.WriteNumber("ruleIndex", rules.IndexOf(result.Check));
                json.WriteString("level", Level(finding.Severity));
                json.WriteStartObject("message");
                json.WriteString("text", $"{finding.Subject}: {finding.Message}");
                json.WriteEndObject();
                json.WriteStartArray("locations");
                json.WriteStartObject();
                json.WriteStartObject("physicalLocation");
                json.WriteStartObject("artifactLocation");
                json.WriteString("uri", finding.Location is { } file ? new Uri(file.Path).AbsoluteUri : report.Target);
                json.WriteEndObject();
                if (finding.Location?.Line is { } line)
                {
                    json.WriteStartObject("region");
                    json.WriteNumber("startLine", line);
                    json.WriteEndObject();
                }

                json.WriteEndObject();
                json.WriteStartArray("logicalLocations");
                json.WriteStartObject();
                json.WriteString("fullyQualifiedName", finding.Subject);
                json.WriteString("kind", "object");
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteStartObject("partialFingerprints");
                json.WriteString("pgtenancyFinding/v1", finding.Fingerprint);
                json.WriteEndObject();
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Level(Severity severity) => severity switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    // GitHub code scanning ranks security results by this 0.0-10.0 score (CVSS-like bands).
    private static string SecuritySeverity(Severity severity) => severity switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        Severity.Low => "3.0",
        _ => "1.0",
    };
}
