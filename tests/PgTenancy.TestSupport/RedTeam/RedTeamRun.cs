namespace PgTenancy.TestSupport.RedTeam;

/// <summary>One technique run as the red-team suites run it: first its control, then the attack on tenant B, signed.</summary>
public static class RedTeamRun
{
    /// <summary>
    /// Runs <paramref name="payload"/>'s control — against the plain posture (it must cross), or aimed at the attacker's
    /// own tenant in the verified posture (it must read the attacker's rows) — then the attack on B in the verified
    /// posture, which must reach none of B's rows. <paramref name="inject"/> runs one injection and says what it did.
    /// </summary>
    public static async Task AssertBlockedAsync(
        Payload payload, DocumentsDatabase plain, DocumentsDatabase verified, Func<DocumentsDatabase, TenantId, Task<InjectionOutcome>> inject)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(inject);
        var control = payload.Control == Control.CrossesUnsigned
            ? await inject(plain, DocumentsDatabase.B)
            : await inject(verified, DocumentsDatabase.A);
        var attack = await inject(verified, DocumentsDatabase.B);

        if (!(payload.Control == Control.CrossesUnsigned ? control.Crossed : control.ReadOwnRows))
        {
            throw new InvalidOperationException($"Control for '{payload.Name}' did not work, so the attack proves nothing: {control}");
        }

        if (attack.Crossed)
        {
            throw new InvalidOperationException($"'{payload.Name}' crossed from A to B in the signed posture: {attack}");
        }
    }
}
