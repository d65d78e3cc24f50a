using Microsoft.EntityFrameworkCore;
using PgTenancy.EntityFrameworkCore;
using PgTenancy.Testing;
using WebApi.Domain;
using Xunit;

namespace WebApi.Tests;

/// <summary>
/// A throwaway server with the database "webapi", migrated by its owner with the sample's own migrations, and the
/// roles the API connects as: the app role (row-level security applies) and a BYPASSRLS role for admin work.
/// </summary>
public sealed class ShopDatabase : IAsyncLifetime
{
    private PostgresServer? _server;

    public TestDatabase Database { get; private set; } = null!;

    public string BypassConnectionString { get; private set; } = "";

    public string? PgBouncerAppConnectionString =>
        _server!.HasPgBouncer ? Database.ConnectionString(TestRole.App, throughPgBouncer: true) : null;

    public async ValueTask InitializeAsync()
    {
        _server = await PostgresServer.StartAsync(b => b.WithPgBouncerIfInstalled());
        Database = await _server.CreateDatabaseAsync("webapi");
        BypassConnectionString = await Database.CreateBypassRoleAsync();
        await using var owner = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(Database.OwnerConnectionString).UseTenancy().Options);
        await owner.Database.MigrateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
