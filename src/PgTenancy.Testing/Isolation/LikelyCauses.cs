namespace PgTenancy.Testing.Isolation;

/// <summary>
/// What usually produces each symptom the operations observe. A dynamic oracle sees the symptom, not the mistake;
/// these sentences name the mistakes to look for, so that a CI log points at the fix.
/// </summary>
internal static class LikelyCauses
{
    /// <summary>A tenant saw or changed another tenant's rows.</summary>
    public const string Leak =
        "Likely causes: the policy is USING (true) or compares the wrong column; RLS is not enabled, or not forced while the app role owns the table; "
        + "the app role is a superuser, BYPASSRLS or a member of the owner; or the statement ran with another tenant's binding "
        + "(a session-level SET carried by the pool or PgBouncer to the next client).";

    /// <summary>A tenant's own rows are hidden from it, or its own writes are refused.</summary>
    public const string Hidden =
        "Likely causes: the policy compares the wrong column or setting; or the statement ran without this tenant's binding "
        + "(a session-level SET that the pool or PgBouncer did not carry to this statement's server connection).";

    /// <summary>A tenant's rows differ from its model: either direction.</summary>
    public const string Mismatch = "Either another tenant's statement reached these rows, or this tenant's own rows are hidden from it. " + Leak + " " + Hidden;
}
