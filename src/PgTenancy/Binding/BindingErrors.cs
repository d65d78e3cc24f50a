using Npgsql;

namespace PgTenancy.Binding;

/// <summary>Turns the errors the binding causes into errors that say what to do.</summary>
internal static class BindingErrors
{
    /// <summary>
    /// A <see cref="TenantStatementsException"/> for stacked statements refused in a bound command; <see langword="null"/>
    /// for any other error, which the caller rethrows unchanged. (The bind names nothing but <c>pg_catalog</c>, so it
    /// needs nothing installed and has no "does not exist" error to explain.)
    /// </summary>
    public static Exception? Explain(Exception exception) => exception switch
    {
        // Measured with Npgsql 10: the server refuses two statements in one batch command when Npgsql sends the text as
        // is, and Npgsql refuses them itself when it rewrites named parameters.
        PostgresException { SqlState: PostgresErrorCodes.SyntaxError } postgres when postgres.MessageText.Contains("multiple commands into a prepared statement", StringComparison.Ordinal) =>
            StackedStatements(exception),
        NotSupportedException when exception.Message.Contains("multiple SQL statements", StringComparison.Ordinal) => StackedStatements(exception),
        _ => null,
    };

    private static TenantStatementsException StackedStatements(Exception inner) => new(
        "The command's SQL holds more than one statement, and a tenant-bound command sends one: stacked statements are how an "
        + "injected string runs SQL of its own. Nothing of the command ran. Send each statement as a command of its own or "
        + "through a TenantBatch; for SQL the application writes itself, set TenancyOptions.AllowMultipleStatements "
        + "(UseTenancy(o => o.AllowMultipleStatements())).",
        inner);
}
