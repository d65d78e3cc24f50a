using System.Globalization;
using System.Text.Json;

namespace PgTenancy.Doctor.Checks;

/// <summary>
/// Checks of the pgBackRest posture the doctor can see from files: the repository's encryption in pgbackrest.conf
/// (<c>--pgbackrest-config</c>) and a recent passing restore test (<c>--restore-report</c>, the JSON that
/// <c>pgtenancy backup verify --stanza … --report</c> writes). WAL archiving itself is BAK-01, seen from the server.
/// </summary>
internal static class PgBackRestChecks
{
    /// <summary>How old a restore test may be: a weekly test, plus a day of slack.</summary>
    public static readonly TimeSpan RestoreTestMaximumAge = TimeSpan.FromDays(8);

    public static DoctorCheck Encryption { get; } = new("BAK-02", "The pgBackRest repository is not encrypted, or its passphrase is readable by others", Severity.High,
        "Whoever copies an unencrypted repository (a backup disk, a bucket) reads every tenant's rows; a passphrase in a world-readable file is no secret.",
        "repo1-cipher-type=aes-256-cbc, with repo1-cipher-pass in its own 0600 include file (pgtenancy harden --backup-passphrase-file writes both).");

    public static DoctorCheck RestoreTest { get; } = new("BAK-03", "No passing restore test in the last week", Severity.Medium,
        "A backup nobody restored is a hope, not a backup: damaged files, a lost passphrase or a broken WAL chain show only on restore.",
        "Run pgtenancy backup verify --stanza <stanza> --connection <source> --report <file> weekly (cron or CI) and point the doctor at the report.");

    public static IReadOnlyList<DoctorCheck> All { get; } = [Encryption, RestoreTest];

    public static CheckResult CheckEncryption(string configPath)
    {
        var global = IniSection.Read(configPath, "global");
        var path = Path.GetFullPath(configPath);
        var findings = new List<Finding>();
        var cipher = global.Get("repo1-cipher-type");
        if (cipher is null)
        {
            findings.Add(Finding(Encryption, path, null, "repo1-cipher-type is not set: the repository is not encrypted"));
        }
        else if (cipher.Value.Value.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            findings.Add(Finding(Encryption, path, cipher.Value.Line, "repo1-cipher-type is none: the repository is not encrypted"));
        }

        if (global.Get("repo1-cipher-pass") is { } pass && !OperatingSystem.IsWindows()
            && (File.GetUnixFileMode(configPath) & (UnixFileMode.OtherRead | UnixFileMode.GroupRead)) != 0)
        {
            findings.Add(Finding(Encryption, path, pass.Line, "repo1-cipher-pass is in a file that its group or other users can read: move it into a 0600 include file"));
        }

        return new CheckResult(Encryption, findings.Count == 0 ? CheckStatus.Passed : CheckStatus.Failed, findings);
    }

    public static CheckResult CheckRestoreTest(string reportPath, DateTimeOffset now)
    {
        var path = Path.GetFullPath(reportPath);
        string? problem;
        if (!File.Exists(path))
        {
            problem = "no restore test report at this path";
        }
        else
        {
            var age = now - File.GetLastWriteTimeUtc(path);
            bool? passed;
            try
            {
                using var report = JsonDocument.Parse(File.ReadAllText(path));
                passed = report.RootElement.TryGetProperty("passed", out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;
            }
            catch (JsonException)
            {
                passed = null;
            }

            problem = passed is null ? "is not a restore test report (pgtenancy backup verify --report)"
                : passed == false ? "the last restore test failed: the restore differs from the source or the repository is damaged"
                : age > RestoreTestMaximumAge ? string.Create(CultureInfo.InvariantCulture, $"the last restore test is {age.TotalDays:0} days old")
                : null;
        }

        var findings = problem is null ? [] : new List<Finding> { Finding(RestoreTest, path, null, problem) };
        return new CheckResult(RestoreTest, findings.Count == 0 ? CheckStatus.Passed : CheckStatus.Failed, findings);
    }

    private static Finding Finding(DoctorCheck check, string path, int? line, string message) =>
        new(check.Id, check.Severity, $"{path}{(line is { } l ? $":{l}" : "")}", message) { Location = new FindingLocation(path, line) };
}
