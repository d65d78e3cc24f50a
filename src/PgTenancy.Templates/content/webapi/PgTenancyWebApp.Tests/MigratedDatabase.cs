using Microsoft.EntityFrameworkCore;
using PgTenancy.Testing;
using PgTenancyWebApp.Data;
using Xunit;

[assembly: AssemblyFixture(typeof(PgTenancyWebApp.Tests.MigratedDatabase))]

namespace PgTenancyWebApp.Tests;

/// <summary>
/// One throwaway hardened PostgreSQL for the test run (TLS 1.3, SCRAM, pgaudit; PgBouncer when installed) with the
/// application's database migrated by its owner, as a deploy does. The database's name gives its roles: tenantapp_owner
/// and tenantapp_app, the role the migrations grant to. A server that cannot start fails the tests with the reason.
/// </summary>
public sealed class MigratedDatabase : IAsyncLifetime
{
    private PostgresServer? _server;

    public TestDatabase Database { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await PostgresServer.StartAsync(b => b.WithPgBouncerIfInstalled());
        Database = await _server.CreateDatabaseAsync("tenantapp");
        await using var owner = new AppDbContext(Options(Database.OwnerConnectionString));
        await owner.Database.MigrateAsync();
    }

    /// <summary>The application's options on <paramref name="connectionString"/>.</summary>
    public static DbContextOptions<AppDbContext> Options(string connectionString) =>
        new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(connectionString).UseTenancy().Options;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
