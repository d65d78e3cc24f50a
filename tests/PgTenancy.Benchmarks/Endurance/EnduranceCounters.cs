using System.Collections.Concurrent;

namespace PgTenancy.Benchmarks.Endurance;

/// <summary>What one endurance phase counted: operations, failures by cause, injected faults, restarts, violations.</summary>
internal sealed class EnduranceCounters
{
    private const int Samples = 20;
    private long _succeeded;
    private long _failed;
    private long _violations;
    private long _unexpected;
    private long _lastSuccess;

    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>How long the operations took (set when the phase ends).</summary>
    public TimeSpan Elapsed { get; set; }

    public long Failed => Interlocked.Read(ref _failed);

    public long Violations => Interlocked.Read(ref _violations);

    public long Unexpected => Interlocked.Read(ref _unexpected);

    /// <summary>Failed operations by the exception that ended them (faults make operations fail; that is expected).</summary>
    public ConcurrentDictionary<string, long> FailuresByCause { get; } = new();

    /// <summary>Faults injected, by kind.</summary>
    public ConcurrentDictionary<string, long> Injected { get; } = new();

    /// <summary>Each restart: what restarted, how long it took, and how long until the next operation succeeded.</summary>
    public ConcurrentQueue<(string What, TimeSpan Restart, TimeSpan Recovery)> Restarts { get; } = new();

    public ConcurrentQueue<string> ViolationSamples { get; } = new();

    public ConcurrentQueue<string> UnexpectedSamples { get; } = new();

    /// <summary>When an operation last succeeded (Stopwatch ticks).</summary>
    public long LastSuccess => Interlocked.Read(ref _lastSuccess);

    public void Success(long timestamp)
    {
        Interlocked.Increment(ref _succeeded);
        long seen;
        while ((seen = Interlocked.Read(ref _lastSuccess)) < timestamp && Interlocked.CompareExchange(ref _lastSuccess, timestamp, seen) != seen)
        {
        }
    }

    public void Failure(Exception error)
    {
        Interlocked.Increment(ref _failed);
        FailuresByCause.AddOrUpdate(Cause(error), 1, (_, n) => n + 1);
    }

    public void Inject(string fault, long count = 1) => Injected.AddOrUpdate(fault, count, (_, n) => n + count);

    /// <summary>A cross-tenant read or write, or a tenant's rows not what it committed: must never happen.</summary>
    public void Violation(string what)
    {
        if (Interlocked.Increment(ref _violations) <= Samples)
        {
            ViolationSamples.Enqueue(what);
        }
    }

    /// <summary>An error no injected fault explains (a bug in the binding's handling of faults, if any).</summary>
    public void UnexpectedError(Exception error)
    {
        Interlocked.Increment(ref _failed);
        if (Interlocked.Increment(ref _unexpected) <= Samples)
        {
            UnexpectedSamples.Enqueue(error.ToString());
        }
    }

    private static string Cause(Exception error) => error switch
    {
        Npgsql.PostgresException postgres => $"{postgres.GetType().Name} {postgres.SqlState}",
        OperationCanceledException => "cancelled",
        _ when error.InnerException is { } inner && error is Npgsql.NpgsqlException => $"NpgsqlException ({inner.GetType().Name})",
        _ => error.GetType().Name,
    };
}
