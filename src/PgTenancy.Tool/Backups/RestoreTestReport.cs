using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace PgTenancy.Tool.Backups;

/// <summary>A restore test's result for CI: JSON (every table's rows, the differences, the recovery time) or JUnit XML (one test case per table and tenant).</summary>
internal static class RestoreTestReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task WriteAsync(RestoreTestResult result, string format, string path, CancellationToken cancellationToken)
    {
        var text = format switch
        {
            "junit" => JUnit(result),
            _ => Json(result),
        };
        await File.WriteAllTextAsync(path, text, cancellationToken);
    }

    private static string Json(RestoreTestResult result) => JsonSerializer.Serialize(new
    {
        stanza = result.Target.Stanza,
        target = result.Target.TargetTime ?? "latest",
        passed = result.Passed,
        compared = result.Differences is not null,
        restoreSeconds = Math.Round(result.RestoreTime.TotalSeconds, 2),
        recoverAndStartSeconds = Math.Round(result.StartTime.TotalSeconds, 2),
        tables = result.Restored,
        differences = result.Differences ?? [],
    }, Indented);

    private static string JUnit(RestoreTestResult result)
    {
        // "public.orders tenant …: source …, restored …", or a finding about the whole repository.
        var differences = (result.Differences ?? []).ToLookup(d => d.IndexOf(": source ", StringComparison.Ordinal) is var at and >= 0 ? d[..at] : "repository", StringComparer.Ordinal);
        var keys = result.Restored.Keys.Union(differences.Select(g => g.Key)).Order(StringComparer.Ordinal).ToList();
        var seconds = (result.RestoreTime + result.StartTime).TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
        var suite = new XElement("testsuite",
            new XAttribute("name", $"pgBackRest restore of {result.Target.Stanza} ({result.Target.TargetTime ?? "latest"})"),
            new XAttribute("tests", keys.Count),
            new XAttribute("failures", differences.Count),
            new XAttribute("time", seconds),
            keys.Select(key => new XElement("testcase",
                new XAttribute("classname", "restore"),
                new XAttribute("name", key),
                differences[key].Select(d => new XElement("failure", new XAttribute("message", d), d)))));
        return new XDocument(new XElement("testsuites", suite)).ToString();
    }
}
