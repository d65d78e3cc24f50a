using Npgsql;
using PgTenancy.Binding;

namespace PgTenancy;

/// <summary>
/// Installs PgTenancy's objects in a database: the bind procedures (a schema, <see cref="TenancyOptions.Schema"/>, with
/// one small procedure per tenant kind that sets the tenant setting for the current transaction, for sessions that
/// bind by hand — the library's own binding names only <c>pg_catalog</c> and needs nothing installed) and the verified
/// tenant context. Run it as the owner or migrator role, at deployment or in a migration.
/// </summary>
public static class TenancyInstaller
{
    /// <summary>Installs or updates the binding's objects. Idempotent and safe to run concurrently.</summary>
    /// <param name="owner">A data source that connects as the role that owns the application's tables.</param>
    /// <param name="options">The options the application uses (schema name); <see cref="TenancyOptions.Default"/> when omitted.</param>
    /// <param name="cancellationToken">Cancels the installation, which then changes nothing.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="PostgresException">The role may not create the schema or the procedures.</exception>
    public static Task InstallAsync(NpgsqlDataSource owner, TenancyOptions? options = null, CancellationToken cancellationToken = default) =>
        RunInTransactionAsync(owner, options, BindingSql.InstallScript, cancellationToken);

    /// <summary>Removes the binding's procedures, and its schema if nothing else is in it. The inverse of <see cref="InstallAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static Task UninstallAsync(NpgsqlDataSource owner, TenancyOptions? options = null, CancellationToken cancellationToken = default) =>
        RunInTransactionAsync(owner, options, BindingSql.UninstallScript, cancellationToken);

    /// <summary>
    /// Installs the verified tenant context (docs/security.md): the key table, readable by the role that runs this alone,
    /// and the function that verifies signed tenant tokens. Policies made afterwards with verification compare the
    /// tenant column with the verified tenant. Idempotent; keeps the keys already installed. Run as the owner role.
    /// </summary>
    /// <param name="owner">A data source that connects as the role that owns the application's tables (never the application role).</param>
    /// <param name="options">The options the application uses (schema, setting name; in <see cref="TenancyOptions.Citus"/> mode the verifier also goes to every worker, its key table as a reference table).</param>
    /// <param name="cancellationToken">Cancels the installation, which then changes nothing.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static Task InstallVerificationAsync(NpgsqlDataSource owner, TenancyOptions? options = null, CancellationToken cancellationToken = default) =>
        RunInTransactionAsync(owner, options, VerificationSql.InstallScript, cancellationToken);

    /// <summary>Removes the verified tenant context and its keys: the inverse of <see cref="InstallVerificationAsync"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static Task UninstallVerificationAsync(NpgsqlDataSource owner, TenancyOptions? options = null, CancellationToken cancellationToken = default) =>
        RunInTransactionAsync(owner, options, VerificationSql.UninstallScript, cancellationToken);

    private static async Task RunInTransactionAsync(
        NpgsqlDataSource owner, TenancyOptions? options, Func<TenancyOptions, string> script, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        options ??= TenancyOptions.Default;
        options.Validate();

        var connection = await owner.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One transaction: either everything is installed or nothing changed.
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var command = new NpgsqlCommand(script(options), connection, transaction);
                await using (command.ConfigureAwait(false))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
