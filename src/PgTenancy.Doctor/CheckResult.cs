namespace PgTenancy.Doctor;

/// <summary>The outcome of one check.</summary>
public enum CheckStatus
{
    /// <summary>The check ran and found nothing.</summary>
    Passed,

    /// <summary>The check ran and found problems.</summary>
    Failed,

    /// <summary>The check could not run (for example it needs a privilege the connection lacks); never a pass.</summary>
    NotChecked,
}

/// <summary>What one check found.</summary>
/// <param name="Check">The check.</param>
/// <param name="Status">Its outcome.</param>
/// <param name="Findings">Its findings (empty unless <see cref="CheckStatus.Failed"/>).</param>
/// <param name="NotCheckedReason">Why it did not run, for <see cref="CheckStatus.NotChecked"/>.</param>
public sealed record CheckResult(DoctorCheck Check, CheckStatus Status, IReadOnlyList<Finding> Findings, string? NotCheckedReason = null);
