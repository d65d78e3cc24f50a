using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// PgBouncer's fast-fail: after a server login of a pool was cut short, PgBouncer refuses that pool's clients with
/// 08P01 "server login has been failing, try again later (server_login_retry)" until the retry window passes. The
/// refusal comes before a server is assigned, so nothing ran: the kit runs the statement again instead of reporting
/// PgBouncer's availability as an isolation failure.
/// </summary>
internal static class PgBouncerRefusal
{
    private const int Attempts = 5;

    /// <summary>Whether <paramref name="error"/>, or an exception it wraps (EF Core wraps it in DbUpdateException), is the refusal.</summary>
    public static bool Is(Exception error) =>
        ExceptionChain.Find<PostgresException>(error) is { SqlState: PostgresErrorCodes.ProtocolViolation } refusal
        && refusal.MessageText.Contains("server_login_retry", StringComparison.Ordinal);

    public static async Task<T> RetryAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action().ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < Attempts && Is(e))
            {
                await Task.Delay(TimeSpan.FromSeconds(1.2), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
