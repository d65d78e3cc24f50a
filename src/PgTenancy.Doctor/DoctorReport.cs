namespace PgTenancy.Doctor;

/// <summary>Everything one doctor run found, check by check, in catalogue order.</summary>
/// <param name="Target">What was checked, without credentials, such as <c>postgresql://127.0.0.1:5432/shop</c>.</param>
/// <param name="Results">One result per check.</param>
public sealed record DoctorReport(string Target, IReadOnlyList<CheckResult> Results)
{
    /// <summary>Every finding of every check.</summary>
    public IEnumerable<Finding> Findings => Results.SelectMany(r => r.Findings);

    /// <summary>Whether any finding is at or above <paramref name="severity"/>.</summary>
    public bool HasFindingsAtOrAbove(Severity severity) => Findings.Any(f => f.Severity >= severity);
}
