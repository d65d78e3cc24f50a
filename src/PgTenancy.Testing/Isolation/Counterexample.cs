using System.Globalization;
using System.Text;

namespace PgTenancy.Testing.Isolation;

/// <summary>The failure message: the oracle and cause first, then the shrunk case, the failing step's SQL, expected and actual, and the replay string.</summary>
internal static class Counterexample
{
    public static string Describe(CaseFailure failure, IsolationCase shrunk, string appRole, int tests, int shrinks, string replay)
    {
        var finding = failure.Finding;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Tenant isolation failed ({finding.Oracle} oracle) after {tests} case(s), shrunk {shrinks} time(s), as the app role \"{appRole}\".");
        text.AppendLine(CultureInfo.InvariantCulture, $"Cause: {finding.Cause}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Counterexample ({shrunk}):");
        for (var i = 0; i < shrunk.Tenants.Length; i++)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  tenant {CaseContext.Letter(i)} = {shrunk.Tenants[i]}, starts with {string.Join(" + ", shrunk.SeedRows[i])} row(s) per table");
        }

        foreach (var script in shrunk.Scripts.Where(s => s.Operations.Length > 0))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  tenant {CaseContext.Letter(script.Tenant)} runs: {string.Join(", ", script.Operations.Select(o => o.Kind))}");
        }

        var failingTenant = Array.IndexOf(shrunk.Tenants, failure.Tenant);
        text.AppendLine();
        text.AppendLine(failure.Step >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"Failing step: tenant {CaseContext.Letter(failingTenant)}, operation {failure.Step + 1}: {failure.Description}")
            : $"Failing check: {failure.Description}");
        text.AppendLine("SQL sent:");
        foreach (var line in failure.Sql)
        {
            text.AppendLine("  " + line);
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Expected: {finding.Expected}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Actual:   {finding.Actual}");
        text.AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"Replay: set IsolationOptions.Replay = \"{replay}\" to run this case again.");
        return text.ToString();
    }
}
