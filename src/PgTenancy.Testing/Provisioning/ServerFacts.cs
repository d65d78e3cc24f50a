using Npgsql;

namespace PgTenancy.Testing.Provisioning;

/// <summary>What a started server says about itself.</summary>
internal sealed record ServerFacts(string Version, bool Ssl, string SslMinimumProtocol, string PasswordEncryption, bool PgAudit)
{
    public static async Task<ServerFacts> ReadAsync(string adminConnectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(adminConnectionString);
        await using var connectionScope = connection.ConfigureAwait(false);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = new NpgsqlCommand(
            """
            SELECT current_setting('server_version'),
                   current_setting('ssl')::bool,
                   current_setting('ssl_min_protocol_version'),
                   current_setting('password_encryption'),
                   'pgaudit' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ','))
            """,
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ServerFacts(
            reader.GetString(0).Split(' ')[0],
            reader.GetBoolean(1),
            reader.GetString(2),
            reader.GetString(3),
            reader.GetBoolean(4));
    }
}
