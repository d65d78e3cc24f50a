namespace PgTenancy.Testing;

/// <summary>
/// <see cref="TenantIsolation"/> found a tenant that could see or change another tenant's rows, or a catalog state
/// that allows it. The message names the oracle and the cause, and shows the shrunk counterexample with the SQL sent.
/// </summary>
public sealed class TenantIsolationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TenantIsolationException()
        : this("Tenant isolation failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public TenantIsolationException(string message)
        : this(message, oracle: "", replay: null)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public TenantIsolationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Oracle = "";
    }

    internal TenantIsolationException(string message, string oracle, string? replay)
        : base(message)
    {
        Oracle = oracle;
        Replay = replay;
    }

    /// <summary>The oracle that failed: <c>catalog</c>, <c>model</c>, <c>metamorphic</c> or <c>binding</c>.</summary>
    public string Oracle { get; }

    /// <summary>The value for <see cref="IsolationOptions.Replay"/> that reruns the failing case, when a case failed.</summary>
    public string? Replay { get; }
}
