using System.Globalization;
using System.Text.Json;

namespace PgTenancy.Doctor.Checks;

/// <summary>
/// Checks of the pgBackRest posture the doctor can see from files: the repository's encryption in pgbackrest.conf
/// (<c>--pgbackrest-config</c>), a recent passing restore test (<c>--restore-report</c>, the JSON that
/// <c>pgtenancy backup verify --stanza … --report</c> writes) and a recent backup (<c>--pgbackrest-info</c>, the output
/// of <c>pgbackrest info --output=json</c>). WAL archiving itself is BAK-01, seen from the server.
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

    /// <summary>How old the newest backup may be: a daily backup, plus two hours of slack.</summary>
    public static readonly TimeSpan BackupMaximumAge = TimeSpan.FromHours(26);

    public static DoctorCheck RecentBackup { get; } = new("BAK-04", "No successful backup in the last day", Severity.Medium,
        "Everything since the newest backup depends on the WAL archive alone; a stanza without a backup, or whose last backups failed, restores nothing.",
        "Schedule pgbackrest backup (a weekly full and a daily differential) as the server's OS user, and alert when it fails; feed the doctor pgbackrest info --output=json.");

    public static IReadOnlyList<DoctorCheck> All { get; } = [Encryption, RestoreTest, RecentBackup];

    public static CheckResult CheckRecentBackup(string infoPath, DateTimeOffset now)
    {
        var path = Path.GetFullPath(infoPath);
        var findings = new List<Finding>();
        try
        {
            using var info = JsonDocument.Parse(File.ReadAllText(path));
            foreach (var stanza in info.RootElement.EnumerateArray())
            {
                var name = stanza.TryGetProperty("name", out var n) ? n.GetString() : "?";
                var newest = stanza.TryGetProperty("backup", out var backups)
                    ? backups.EnumerateArray()
                        .Where(b => !(b.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.True))
                        .Select(b => (long?)b.GetProperty("timestamp").GetProperty("stop").GetInt64()).Max()
                    : null;
                if (newest is null)
                {
                    findings.Add(Finding(RecentBackup, path, null, $"stanza {name} has no successful backup"));
                }
                else if (now - DateTimeOffset.FromUnixTimeSeconds(newest.Value) is var age && age > BackupMaximumAge)
                {
                    findings.Add(Finding(RecentBackup, path, null, string.Create(CultureInfo.InvariantCulture, $"the newest successful backup of stanza {name} is {age.TotalHours:0} hours old")));
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FileNotFoundException)
        {
            findings.Add(Finding(RecentBackup, path, null, "is not the output of pgbackrest info --output=json"));
        }

        return new CheckResult(RecentBackup, findings.Count == 0 ? CheckStatus.Passed : CheckStatus.Failed, findings);
    }

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
