using PgTenancy.Testing;
using Xunit;

namespace PgTenancy.TestSupport;

/// <summary>A fresh database with owner and app roles for one test class (<c>IClassFixture&lt;DatabaseFixture&gt;</c>).</summary>
public sealed class DatabaseFixture(ServerFixture server) : IAsyncLifetime
{
    private TestDatabase? _database;

    public PostgresServer Server => server.Server;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("The database fixture has not started.");

    public async ValueTask InitializeAsync() => _database = await server.Server.CreateDatabaseAsync();

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
