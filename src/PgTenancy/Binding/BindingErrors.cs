using Npgsql;

namespace PgTenancy.Binding;

/// <summary>Turns the server's errors about the binding's own objects into errors that say what to do.</summary>
internal static class BindingErrors
{
    /// <summary>
    /// A <see cref="TenancyConfigurationException"/> for "procedure (or schema) does not exist" about the bind procedure,
    /// saying how to install it; <see langword="null"/> for any other error, which the caller rethrows unchanged.
    /// </summary>
    public static Exception? Explain(PostgresException exception, TenancyOptions options) =>
        (exception.SqlState == PostgresErrorCodes.UndefinedFunction && exception.MessageText.Contains(options.Schema + ".bind_", StringComparison.Ordinal))
            || (exception.SqlState == PostgresErrorCodes.InvalidSchemaName && exception.MessageText.Contains($"\"{options.Schema}\"", StringComparison.Ordinal))
            ? new TenancyConfigurationException(
                $"The tenant binding procedure {BindingSql.ProcedureName(options, options.TenantKind)} is not installed in this database. "
                + "Run TenancyInstaller.InstallAsync(ownerDataSource, options) as the owner role (or the migration that installs it), then retry.",
                exception)
            : null;
}
