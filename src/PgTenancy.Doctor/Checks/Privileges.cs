using Npgsql;

namespace PgTenancy.Doctor.Checks;

/// <summary>Who the doctor's own connection is and what it may read, decided once per run.</summary>
internal sealed record Privileges(string Role, bool Superuser, bool ReadAllSettings, bool ReadAllStats, bool Citus)
{
    public static async Task<Privileges> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            """
            SELECT current_user::text, rolsuper,
                   pg_catalog.pg_has_role(current_user, 'pg_read_all_settings', 'USAGE'),
                   pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
                   EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'citus')
            FROM pg_catalog.pg_roles WHERE rolname = current_user
            """,
            connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return new Privileges(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.GetBoolean(4));
            }
        }
    }

    /// <summary>What is missing to meet <paramref name="requirement"/>, or <see langword="null"/> when nothing is.</summary>
    public string? Lacks(Requirement requirement) => requirement switch
    {
        Requirement.Superuser when !Superuser => "superuser",
        Requirement.ReadAllSettings when !Superuser && !ReadAllSettings => "pg_read_all_settings",
        Requirement.ReadAllStats when !Superuser && !ReadAllStats => "pg_read_all_stats",
        _ => null,
    };
}
