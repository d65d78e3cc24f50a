namespace PgTenancy.Testing;

/// <summary>What a passing <see cref="TenantIsolation"/> verification did.</summary>
public sealed class IsolationReport
{
    internal IsolationReport(int casesRun, int casesSkipped, int operations, TimeSpan elapsed, IReadOnlyList<string> tables, IReadOnlyList<string> warnings)
    {
        CasesRun = casesRun;
        CasesSkippedByTimeBudget = casesSkipped;
        Operations = operations;
        Elapsed = elapsed;
        Tables = tables;
        Warnings = warnings;
    }

    /// <summary>The cases that ran (each: reset, seed, every tenant's operations, the oracles).</summary>
    public int CasesRun { get; }

    /// <summary>The cases not started because <see cref="IsolationOptions.TimeBudget"/> ran out.</summary>
    public int CasesSkippedByTimeBudget { get; }

    /// <summary>The operations run under test, across all cases.</summary>
    public int Operations { get; }

    /// <summary>The wall-clock time of the verification.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The tables verified.</summary>
    public IReadOnlyList<string> Tables { get; }

    /// <summary>Catalog findings reported as warnings (see <see cref="IsolationOptions.KeysWithoutTenant"/>).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{CasesRun} cases, {Operations} operations on {string.Join(", ", Tables)} in {Elapsed.TotalSeconds:0.0} s"
        + (CasesSkippedByTimeBudget > 0 ? $"; {CasesSkippedByTimeBudget} cases not run (time budget)" : "")
        + (Warnings.Count > 0 ? $"; {Warnings.Count} warnings" : "");
}
