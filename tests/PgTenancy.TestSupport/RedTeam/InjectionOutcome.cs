namespace PgTenancy.TestSupport.RedTeam;

/// <summary>What one injection did: the rows it read, and tenant B's rows before and after, as the superuser sees them.</summary>
public sealed record InjectionOutcome(List<string> Read, string BBefore, string BAfter, string? Error)
{
    // B's data, not B's id: a payload may echo the id it sets (SELECT set_config(…) returns it).
    public bool ReadB => Read.Any(r => r.Contains("B doc", StringComparison.Ordinal));

    public bool ReadOwnRows => Read.Any(r => r.Contains("A doc", StringComparison.Ordinal));

    public bool Crossed => ReadB || BBefore != BAfter;

    public override string ToString() =>
        $"read [{string.Join("; ", Read)}], B before [{BBefore}] after [{BAfter}]{(Error is null ? "" : ", error: " + Error)}";
}
