using System.Text.Encodings.Web;
using System.Text.Json;

namespace PgTenancy.Doctor.Reporting;

/// <summary>
/// The report as JSON: stable across runs of an unchanged server (no timestamps, catalogue order, findings in the
/// order the checks return them), so it can be diffed and committed as a baseline.
/// </summary>
public static class JsonReportWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/>.</summary>
    public static void Write(DoctorReport report, Stream output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        using var json = new Utf8JsonWriter(output, Options);
        json.WriteStartObject();
        json.WriteString("target", report.Target);
        json.WriteStartArray("tenantTables");
        foreach (var table in report.TenantTables)
        {
            json.WriteStringValue(table);
        }

        json.WriteEndArray();
        json.WriteStartArray("checks");
        foreach (var result in report.Results)
        {
            json.WriteStartObject();
            json.WriteString("id", result.Check.Id);
            json.WriteString("title", result.Check.Title);
            json.WriteString("severity", result.Check.Severity.ToString().ToLowerInvariant());
            json.WriteString("status", result.Status switch { CheckStatus.Passed => "passed", CheckStatus.Failed => "failed", _ => "not-checked" });
            if (result.NotCheckedReason is not null)
            {
                json.WriteString("notCheckedReason", result.NotCheckedReason);
            }

            json.WriteString("remediation", result.Check.Remediation);
            json.WriteString("help", result.Check.HelpAnchor);
            json.WriteStartArray("findings");
            foreach (var finding in result.Findings)
            {
                json.WriteStartObject();
                json.WriteString("object", finding.Subject);
                json.WriteString("message", finding.Message);
                json.WriteString("severity", finding.Severity.ToString().ToLowerInvariant());
                json.WriteString("fingerprint", finding.Fingerprint);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
