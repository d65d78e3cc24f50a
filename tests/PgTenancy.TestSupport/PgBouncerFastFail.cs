using PgTenancy.Testing.Isolation;

namespace PgTenancy.TestSupport;

/// <summary>
/// PgBouncer's fast-fail: when a pool has no server connection and its last server login was cut short, PgBouncer
/// refuses clients with 08P01 "server login has been failing, try again later (server_login_retry)" for
/// <c>server_login_retry</c> (1 s in the test configuration). PgBouncer counts any server connection closed during its
/// login as a failed login; in these tests the likely causes are another test class reloading PgBouncer's user list
/// while a login is in flight, and fault tests terminating backends (seen once in CI, not reproduced in 18 local
/// reruns). The refusal comes from PgBouncer before a server is assigned, so no statement of the step ran and running
/// the step again is safe. It is PgBouncer's availability, not a tenant fault: the step's result is asserted unchanged.
/// The isolation kit retries its own statements the same way; this is that retry, for test steps.
/// </summary>
public static class PgBouncerFastFail
{
    /// <summary>Runs <paramref name="step"/>, and again after the retry window while PgBouncer fast-fails it (at most five times).</summary>
    public static Task<T> RetryAsync<T>(Func<Task<T>> step) => PgBouncerRefusal.RetryAsync(step, CancellationToken.None);

    /// <inheritdoc cref="RetryAsync{T}(Func{Task{T}})"/>
    public static Task RetryAsync(Func<Task> step) => RetryAsync(async () =>
    {
        await step();
        return true;
    });
}
