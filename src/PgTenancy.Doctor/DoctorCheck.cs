namespace PgTenancy.Doctor;

/// <summary>A check of the catalogue: a stable id, what it looks for, why it matters and how to fix what it finds.</summary>
/// <param name="Id">Stable id, such as <c>RLS-01</c>; also the anchor of its section in docs/doctor.md.</param>
/// <param name="Title">One line: what the check finds.</param>
/// <param name="Severity">The severity of its findings.</param>
/// <param name="Rationale">Why it matters.</param>
/// <param name="Remediation">What to do about a finding.</param>
public sealed record DoctorCheck(string Id, string Title, Severity Severity, string Rationale, string Remediation)
{
    /// <summary>The section of docs/doctor.md that explains the check.</summary>
    public string HelpAnchor => "doctor.md#" + Id.ToLowerInvariant();
}
