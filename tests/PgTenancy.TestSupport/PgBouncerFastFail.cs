using Npgsql;

namespace PgTenancy.TestSupport;

/// <summary>
/// PgBouncer's fast-fail: when a pool has no server connection and its last server login was cut short, PgBouncer
/// refuses clients with 08P01 "server login has been failing, try again later (server_login_retry)" for
/// <c>server_login_retry</c> (1 s in the test configuration). PgBouncer counts any server connection closed during its
/// login as a failed login; in these tests the likely causes are another test class reloading PgBouncer's user list
/// while a login is in flight, and fault tests terminating backends (seen once in CI, not reproduced in 18 local
/// reruns). The refusal comes from PgBouncer before a server is
/// assigned, so no statement of the step ran and running the step again is safe. It is PgBouncer's availability, not
/// a tenant fault: the step's result is asserted unchanged.
/// </summary>
public static class PgBouncerFastFail
{
    private const int Attempts = 5;

    /// <summary>Whether <paramref name="error"/> is PgBouncer's fast-fail refusal.</summary>
    public static bool IsRefusal(Exception error) =>
        error is PostgresException { SqlState: PostgresErrorCodes.ProtocolViolation } e
        && e.MessageText.Contains("server_login_retry", StringComparison.Ordinal);

    /// <summary>Runs <paramref name="step"/>, and again after the retry window while PgBouncer fast-fails it (at most five times).</summary>
    public static async Task<T> RetryAsync<T>(Func<Task<T>> step)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await step();
            }
            catch (Exception e) when (attempt < Attempts && IsRefusal(e))
            {
                await Task.Delay(TimeSpan.FromSeconds(1.2));
            }
        }
    }

    /// <inheritdoc cref="RetryAsync{T}(Func{Task{T}})"/>
    public static Task RetryAsync(Func<Task> step) => RetryAsync(async () =>
    {
        await step();
        return true;
    });
}
