using Npgsql;

namespace PgTenancy.Binding;

/// <summary>Turns the server's errors about the binding's own objects into errors that say what to do.</summary>
internal static class BindingErrors
{
    /// <summary>
    /// A <see cref="TenancyConfigurationException"/> for "procedure (or schema) does not exist" about the bind procedure,
    /// saying how to install it; <see langword="null"/> for any other error, which the caller rethrows unchanged.
    /// </summary>
    public static Exception? Explain(Exception exception, TenancyOptions options) => exception switch
    {
        PostgresException postgres when (postgres.SqlState == PostgresErrorCodes.UndefinedFunction && postgres.MessageText.Contains(options.Schema + ".bind_", StringComparison.Ordinal))
            || (postgres.SqlState == PostgresErrorCodes.InvalidSchemaName && postgres.MessageText.Contains($"\"{options.Schema}\"", StringComparison.Ordinal)) =>
            new TenancyConfigurationException(
                $"The tenant binding procedure {BindingSql.BindProcedure(options)} is not installed in this database. "
                + "Run TenancyInstaller.InstallAsync(ownerDataSource, options) as the owner role (or the migration that installs it), then retry.",
                exception),
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
