namespace PgTenancy.Doctor;

/// <summary>Everything one doctor run found, check by check, in catalogue order.</summary>
/// <param name="Target">What was checked, without credentials, such as <c>postgresql://127.0.0.1:5432/shop</c>.</param>
/// <param name="Results">One result per check.</param>
public sealed record DoctorReport(string Target, IReadOnlyList<CheckResult> Results)
{
    /// <summary>
    /// The tenant tables the checks looked at (schema-qualified): tables with a column named as the tenant column in
    /// any spelling (<c>tenant_id</c>, <c>TenantId</c>), or with PgTenancy's policy on them. None means the checks of
    /// row-level security had nothing to check: set the tenant column (<c>--tenant-column</c>) if yours is named otherwise.
    /// </summary>
    public IReadOnlyList<string> TenantTables { get; init; } = [];

    /// <summary>Every finding of every check.</summary>
    public IEnumerable<Finding> Findings => Results.SelectMany(r => r.Findings);

    /// <summary>
    /// The report without the findings whose fingerprints are in <paramref name="baseline"/> (known and accepted); a
    /// check left without findings counts as passed.
    /// </summary>
    public DoctorReport Without(IReadOnlySet<string> baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return this with
        {
            Results = Results.Select(r => r.Status != CheckStatus.Failed ? r : r.Findings.Where(f => !baseline.Contains(f.Fingerprint)).ToList() is { Count: > 0 } kept
                ? r with { Findings = kept }
                : r with { Status = CheckStatus.Passed, Findings = [] }).ToList(),
        };
    }

    /// <summary>Whether any finding is at or above <paramref name="severity"/>.</summary>
    public bool HasFindingsAtOrAbove(Severity severity) => Findings.Any(f => f.Severity >= severity);
}
