using Npgsql;
using PgTenancy.Testing.Provisioning;

namespace PgTenancy.Testing.Existing;

/// <summary>
/// A server someone else runs, named by <c>PGTENANCY_TEST_CONNECTION</c> (a superuser connection string). It is used
/// as is: PgTenancy only creates and drops its own test databases and roles on it.
/// </summary>
internal sealed class ExistingServer : IServerBackend
{
    private ExistingServer(NpgsqlConnectionStringBuilder admin, bool pgAudit)
    {
        AdminConnection = admin;
        PgAuditPreloaded = pgAudit;
    }

    public ServerProvider Provider => ServerProvider.ExistingServer;

    public NpgsqlConnectionStringBuilder AdminConnection { get; }

    public bool PgAuditPreloaded { get; }

    public string? CaCertificatePath => AdminConnection.RootCertificate;

    public string? ServerLogPath => null;

    public string? WorkingDirectory => null;

    public IReadOnlyList<int> ProcessIds => [];

    public static async Task<ExistingServer> ConnectAsync(string? connectionString, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new PostgresServerException(
                $"The existing-server provider needs {ProviderSelection.ConnectionVariable} to hold a superuser connection string, e.g. 'Host=db;Username=postgres;Password=…;SSL Mode=VerifyFull;Root Certificate=ca.crt'.");
        }

        NpgsqlConnectionStringBuilder admin;
        try
        {
            admin = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new PostgresServerException($"{ProviderSelection.ConnectionVariable} is not a valid Npgsql connection string: {e.Message}", e);
        }

        admin.Database ??= "postgres";
        try
        {
            var connection = new NpgsqlConnection(admin.ConnectionString);
            await using var connectionScope = connection.ConfigureAwait(false);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(
                "SELECT rolsuper, 'pgaudit' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) FROM pg_roles WHERE rolname = current_user",
                connection);
            await using var commandScope = command.ConfigureAwait(false);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using var readerScope = reader.ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!reader.GetBoolean(0))
            {
                throw new PostgresServerException(
                    $"{ProviderSelection.ConnectionVariable} connects as '{admin.Username}', which is not a superuser; tests need one to create their databases and roles.");
            }

            return new ExistingServer(admin, reader.GetBoolean(1));
        }
        catch (NpgsqlException e)
        {
            throw new PostgresServerException(
                $"Could not connect to the server named by {ProviderSelection.ConnectionVariable} (host '{admin.Host}', port {admin.Port}): {e.Message}", e);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
