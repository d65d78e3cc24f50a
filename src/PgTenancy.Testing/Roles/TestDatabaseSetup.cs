using Npgsql;
using PgTenancy.Sql;

namespace PgTenancy.Testing.Roles;

/// <summary>The SQL that makes and removes a test database with its owner and application roles.</summary>
internal static class TestDatabaseSetup
{
    // The attributes docs/migrations-and-roles.md asks of an application role; spelled out, because defaults can change.
    private const string LeastPrivilege = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION";

    public static async Task CreateAsync(
        NpgsqlConnectionStringBuilder admin, string database, TestLogin owner, TestLogin app, CancellationToken cancellationToken)
    {
        var created = new List<string>();
        try
        {
            var server = await OpenAsync(admin, admin.Database!, cancellationToken).ConfigureAwait(false);
            await using (server.ConfigureAwait(false))
            {
                await ExecuteAsync(server, $"CREATE ROLE {SqlText.Identifier(owner.Name)} {LeastPrivilege} PASSWORD '{ScramSecret.Create(owner.Password)}'", cancellationToken).ConfigureAwait(false);
                created.Add("owner");
                await ExecuteAsync(server, $"CREATE ROLE {SqlText.Identifier(app.Name)} {LeastPrivilege} PASSWORD '{ScramSecret.Create(app.Password)}'", cancellationToken).ConfigureAwait(false);
                created.Add("app");

                // CREATE DATABASE refuses to run inside a transaction block, so it is a statement of its own.
                await ExecuteAsync(server, $"CREATE DATABASE {SqlText.Identifier(database)} OWNER {SqlText.Identifier(owner.Name)}", cancellationToken).ConfigureAwait(false);
                created.Add("database");
                await ExecuteAsync(server,
                    $"REVOKE ALL ON DATABASE {SqlText.Identifier(database)} FROM PUBLIC; GRANT CONNECT ON DATABASE {SqlText.Identifier(database)} TO {SqlText.Identifier(app.Name)}",
                    cancellationToken).ConfigureAwait(false);
            }

            var inDatabase = await OpenAsync(admin, database, cancellationToken).ConfigureAwait(false);
            await using (inDatabase.ConfigureAwait(false))
            {
                // PostgreSQL 15 no longer grants CREATE on public to PUBLIC, but a server upgraded from 14 may still:
                // revoke it explicitly so that the app role can never create objects.
                await ExecuteAsync(inDatabase,
                    $"REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO {SqlText.Identifier(app.Name)}",
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch when (created.Count > 0)
        {
            // Leave no half-made database or roles behind.
            await DropAsync(admin, database, owner, app).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Makes <paramref name="bypass"/>: a login that row-level security does not apply to (BYPASSRLS, never superuser),
    /// with DML on the owner's tables in schema public, those there now and those its migrations create later.
    /// </summary>
    public static async Task CreateBypassAsync(
        NpgsqlConnectionStringBuilder admin, string database, TestLogin owner, TestLogin bypass, CancellationToken cancellationToken)
    {
        var role = SqlText.Identifier(bypass.Name);
        var server = await OpenAsync(admin, admin.Database!, cancellationToken).ConfigureAwait(false);
        await using (server.ConfigureAwait(false))
        {
            await ExecuteAsync(server,
                $"CREATE ROLE {role} LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD '{ScramSecret.Create(bypass.Password)}'",
                cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var inDatabase = await OpenAsync(admin, database, cancellationToken).ConfigureAwait(false);
            await using (inDatabase.ConfigureAwait(false))
            {
                var owners = SqlText.Identifier(owner.Name);
                await ExecuteAsync(inDatabase, $"""
                    GRANT CONNECT ON DATABASE {SqlText.Identifier(database)} TO {role};
                    GRANT USAGE ON SCHEMA public TO {role};
                    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
                    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
                    ALTER DEFAULT PRIVILEGES FOR ROLE {owners} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};
                    ALTER DEFAULT PRIVILEGES FOR ROLE {owners} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role};
                    """, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // No half-made role: its grants in the database go with DROP OWNED, then the role itself.
            var cleanup = await OpenAsync(admin, database, CancellationToken.None).ConfigureAwait(false);
            await using (cleanup.ConfigureAwait(false))
            {
                await ExecuteAsync(cleanup, $"DROP OWNED BY {role}; DROP ROLE {role}", CancellationToken.None).ConfigureAwait(false);
            }

            throw;
        }
    }

    public static async Task DropAsync(NpgsqlConnectionStringBuilder admin, string database, TestLogin owner, TestLogin app, TestLogin? bypass = null)
    {
        var connection = await OpenAsync(admin, admin.Database!, CancellationToken.None).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS {SqlText.Identifier(database)} WITH (FORCE)", CancellationToken.None).ConfigureAwait(false);
        await ExecuteAsync(connection, $"DROP ROLE IF EXISTS {SqlText.Identifier(app.Name)}", CancellationToken.None).ConfigureAwait(false);
        if (bypass is not null)
        {
            await ExecuteAsync(connection, $"DROP ROLE IF EXISTS {SqlText.Identifier(bypass.Name)}", CancellationToken.None).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, $"DROP ROLE IF EXISTS {SqlText.Identifier(owner.Name)}", CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task<NpgsqlConnection> OpenAsync(NpgsqlConnectionStringBuilder admin, string database, CancellationToken cancellationToken)
    {
        // Unpooled: set-up connections must not linger in a pool and keep a database from being dropped.
        var builder = new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Database = database, Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using var commandScope = command.ConfigureAwait(false);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
