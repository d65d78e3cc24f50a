namespace PgTenancy.Doctor.Reporting;

/// <summary>The report as text for a terminal: one line per check, then its findings; coloured only when asked (a TTY).</summary>
public static class TableReportWriter
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/>, with ANSI colours if <paramref name="colour"/>.</summary>
    public static void Write(DoctorReport report, TextWriter output, bool colour)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"PgTenancy doctor — {report.Target}");
        output.WriteLine(report.TenantTables.Count == 0
            ? "0 tenant tables found: no table has the tenant column (in any spelling) or PgTenancy's policy, so row-level security was not checked on any table. If your tenant column is named otherwise, pass --tenant-column."
            : $"{report.TenantTables.Count} tenant tables found: {string.Join(", ", report.TenantTables)}");
        output.WriteLine();
        foreach (var result in report.Results)
        {
            var (label, ansi) = result.Status switch
            {
                CheckStatus.Passed => ("pass", "32"),
                CheckStatus.NotChecked => ("n/c ", "33"),
                _ => ("FAIL", result.Check.Severity >= Severity.High ? "31" : "35"),
            };
            var status = colour ? $"\u001b[{ansi}m{label}\u001b[0m" : label;
            output.WriteLine($"{status}  {result.Check.Id,-8} {result.Check.Severity.ToString().ToLowerInvariant(),-8} {result.Check.Title}");
            if (result.NotCheckedReason is not null)
            {
                output.WriteLine($"                          not checked: {result.NotCheckedReason}");
            }

            foreach (var finding in result.Findings)
            {
                output.WriteLine($"                          {finding.Subject}: {finding.Message}");
            }

            if (result.Findings.Count > 0)
            {
                output.WriteLine($"                          fix: {result.Check.Remediation}");
            }
        }

        var failed = report.Results.Count(r => r.Status == CheckStatus.Failed);
        var notChecked = report.Results.Count(r => r.Status == CheckStatus.NotChecked);
        output.WriteLine();
        output.WriteLine($"{report.Results.Count - failed - notChecked} passed, {failed} failed, {notChecked} not checked; {report.Findings.Count()} findings.");
    }
}
