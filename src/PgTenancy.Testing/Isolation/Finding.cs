namespace PgTenancy.Testing.Isolation;

/// <summary>What an oracle found wrong in one step of a case.</summary>
/// <param name="Oracle"><c>model</c>, <c>metamorphic</c>, <c>binding</c> or <c>execution</c>.</param>
/// <param name="Cause">The cause in words, with the likely mistakes that produce it.</param>
/// <param name="Expected">What the oracle expected.</param>
/// <param name="Actual">What happened.</param>
internal sealed record Finding(string Oracle, string Cause, string Expected, string Actual);

/// <summary>Thrown inside a step to end the tenant's script with a <see cref="Finding"/>.</summary>
#pragma warning disable CA1064, CA1032 // internal control flow, never seen by users
internal sealed class FindingException(Finding finding) : Exception(finding.Cause)
#pragma warning restore CA1064, CA1032
{
    public Finding Finding { get; } = finding;
}

/// <summary>A failed case: which tenant's which step, the SQL it sent, and the finding.</summary>
internal sealed record CaseFailure(Finding Finding, TenantId Tenant, int Step, Operation? Operation, string Description, IReadOnlyList<string> Sql);
