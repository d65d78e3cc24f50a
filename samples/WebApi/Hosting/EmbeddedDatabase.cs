using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy;
using PgTenancy.EntityFrameworkCore;
using PgTenancy.Testing;
using WebApi.Domain;

namespace WebApi.Hosting;

/// <summary>
/// For `dotnet run` on a developer's machine, and for the sample's tests: a throwaway, hardened PostgreSQL (TLS 1.3,
/// SCRAM, pgaudit and PgBouncer when installed) with the database "webapi", its owner, app and bypass roles, migrated
/// as the owner, a tenant signing key installed, TEMPORARY revoked from PUBLIC and other sessions' query text hidden
/// from the app role (as <c>pgtenancy harden</c> writes them). The app uses it only in the Development environment when no connection string is configured;
/// disposing it stops the server and removes it.
/// </summary>
public sealed class EmbeddedDatabase : IAsyncDisposable
{
    private readonly PostgresServer _server;

    private EmbeddedDatabase(PostgresServer server, TestDatabase database, string bypassConnectionString, TenantSigningKey signingKey)
    {
        _server = server;
        Database = database;
        BypassConnectionString = bypassConnectionString;
        SigningKey = signingKey;
    }

    /// <summary>The database "webapi" and its owner and app roles.</summary>
    public TestDatabase Database { get; }

    /// <summary>The BYPASSRLS role's connection string, for the admin endpoints and the job's list of tenants.</summary>
    public string BypassConnectionString { get; }

    /// <summary>The key installed in the database, made for this server only; the app signs tenants with it.</summary>
    public TenantSigningKey SigningKey { get; }

    /// <summary>The app role through PgBouncer, or null when PgBouncer is not installed.</summary>
    public string? PgBouncerAppConnectionString =>
        _server.HasPgBouncer ? Database.ConnectionString(TestRole.App, throughPgBouncer: true) : null;

    public static async Task<EmbeddedDatabase> StartAsync()
    {
        var server = await PostgresServer.StartAsync(b => b.WithPgBouncerIfInstalled());
        try
        {
            var database = await server.CreateDatabaseAsync("webapi");
            if (database.AppRole != ShopRoles.App)
            {
                throw new InvalidOperationException($"The migrations grant to '{ShopRoles.App}', but the embedded app role is '{database.AppRole}'.");
            }

            var bypass = await database.CreateBypassRoleAsync();
            // The owner migrates (the model's policy form is verified: VerifiedPolicies, as at design time) and installs
            // a key; in production that is `dotnet ef database update` and `pgtenancy keys add`.
            await using (var owner = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(database.OwnerConnectionString).UseTenancy(t => t.VerifiedPolicies()).Options))
            {
                await owner.Database.MigrateAsync();
            }

            var signingKey = TenantSigningKey.Generate(1);
            await using (var ownerPool = NpgsqlDataSource.Create(database.OwnerConnectionString))
            {
                await TenantSigningKeys.AddAsync(ownerPool, signingKey);
            }

            await using (var admin = NpgsqlDataSource.Create(database.AdminConnectionString))
            {
                await using var harden = admin.CreateCommand(TenantRoles.RevokeTemporaryFromPublic(database.Name) + TenantRoles.HideOtherSessionsQueries());
                await harden.ExecuteNonQueryAsync();
            }

            return new EmbeddedDatabase(server, database, bypass, signingKey);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public static async Task<EmbeddedDatabase?> StartIfUnconfiguredAsync(ConfigurationManager configuration, IHostEnvironment environment)
    {
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString("App")) || !environment.IsDevelopment())
        {
            return null;
        }

        var embedded = await StartAsync();
        configuration["ConnectionStrings:App"] = embedded.Database.AppConnectionString;
        configuration["ConnectionStrings:Bypass"] = embedded.BypassConnectionString;
        configuration[ShopSigningKey.IdKey] = embedded.SigningKey.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        configuration[ShopSigningKey.KeyKey] = embedded.SigningKey.ToBase64();
        Console.WriteLine($"Embedded PostgreSQL: {embedded._server.Describe()}");
        return embedded;
    }

    /// <summary>Stops the server and removes its folder, databases and roles with it.</summary>
    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _server.DisposeAsync();
    }
}
