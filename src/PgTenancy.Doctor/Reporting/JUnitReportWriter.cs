using System.Xml;

namespace PgTenancy.Doctor.Reporting;

/// <summary>
/// The report as JUnit XML, for CI test dashboards: one test case per check and object — a failure per finding, one
/// passing case for a check that found nothing, a skipped case for a check that could not run.
/// </summary>
public static class JUnitReportWriter
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/>.</summary>
    public static void Write(DoctorReport report, Stream output)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        var cases = report.Results.Sum(r => Math.Max(1, r.Findings.Count));
        var failures = report.Findings.Count();
        var skipped = report.Results.Count(r => r.Status == CheckStatus.NotChecked);
        // No byte-order mark: some CI parsers reject one.
        using var xml = XmlWriter.Create(output, new XmlWriterSettings { Indent = true, Encoding = new System.Text.UTF8Encoding(false) });
        xml.WriteStartElement("testsuites");
        xml.WriteStartElement("testsuite");
        xml.WriteAttributeString("name", "pgtenancy doctor " + report.Target);
        xml.WriteAttributeString("tests", cases.ToString(System.Globalization.CultureInfo.InvariantCulture));
        xml.WriteAttributeString("failures", failures.ToString(System.Globalization.CultureInfo.InvariantCulture));
        xml.WriteAttributeString("skipped", skipped.ToString(System.Globalization.CultureInfo.InvariantCulture));
        xml.WriteAttributeString("errors", "0");
        foreach (var result in report.Results)
        {
            var className = $"{result.Check.Id} {result.Check.Title}";
            if (result.Findings.Count == 0)
            {
                xml.WriteStartElement("testcase");
                xml.WriteAttributeString("classname", className);
                xml.WriteAttributeString("name", "all objects");
                if (result.Status == CheckStatus.NotChecked)
                {
                    xml.WriteStartElement("skipped");
                    xml.WriteAttributeString("message", "not checked: " + result.NotCheckedReason);
                    xml.WriteEndElement();
                }

                xml.WriteEndElement();
                continue;
            }

            foreach (var finding in result.Findings)
            {
                xml.WriteStartElement("testcase");
                xml.WriteAttributeString("classname", className);
                xml.WriteAttributeString("name", finding.Subject);
                xml.WriteStartElement("failure");
                xml.WriteAttributeString("message", finding.Message);
                xml.WriteAttributeString("type", result.Check.Severity.ToString().ToLowerInvariant());
                xml.WriteString($"Fix: {result.Check.Remediation}\nFingerprint: {finding.Fingerprint}");
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
    }
}
