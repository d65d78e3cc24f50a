namespace PgTenancy.Testing;

/// <summary>
/// A test server could not be provisioned, started or stopped. The message says what failed, on which server,
/// and what to do about it; for a start failure it quotes the last lines of the server's log.
/// </summary>
public sealed class PostgresServerException : Exception
{
    /// <summary>Creates the exception with a message that names the failure and its fix.</summary>
    public PostgresServerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message that names the failure and its fix, and its cause.</summary>
    public PostgresServerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
