using Microsoft.EntityFrameworkCore;
using PgTenancy.EntityFrameworkCore;
using PgTenancy.Testing;
using WebApi.Domain;

namespace WebApi.Hosting;

/// <summary>
/// For `dotnet run` on a developer's machine: a throwaway, hardened PostgreSQL (TLS 1.3, SCRAM, pgaudit and PgBouncer
/// when installed) with the database "webapi", its owner, app and bypass roles, migrated as the owner. Used only in the
/// Development environment when no connection string is configured; removed when the app stops.
/// </summary>
public sealed class EmbeddedDatabase : IAsyncDisposable
{
    private readonly PostgresServer _server;

    private EmbeddedDatabase(PostgresServer server) => _server = server;

    public static async Task<EmbeddedDatabase?> StartIfUnconfiguredAsync(ConfigurationManager configuration, IHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("App")) || !environment.IsDevelopment())
        {
            return null;
        }

        var server = await PostgresServer.StartAsync(b => b.WithPgBouncerIfInstalled());
        try
        {
            var database = await server.CreateDatabaseAsync("webapi");
            if (database.AppRole != ShopRoles.App)
            {
                throw new InvalidOperationException($"The migrations grant to '{ShopRoles.App}', but the embedded app role is '{database.AppRole}'.");
            }

            var bypass = await database.CreateBypassRoleAsync();
            await using (var owner = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(database.OwnerConnectionString).UseTenancy().Options))
            {
                await owner.Database.MigrateAsync();
            }

            configuration["ConnectionStrings:App"] = database.AppConnectionString;
            configuration["ConnectionStrings:Bypass"] = bypass;
            Console.WriteLine($"Embedded PostgreSQL: {server.Describe()}");
            return new EmbeddedDatabase(server);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server and removes its folder, databases and roles with it.</summary>
    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await _server.DisposeAsync();
    }
}
