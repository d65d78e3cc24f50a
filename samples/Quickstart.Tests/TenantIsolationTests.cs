using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy.Testing;
using Xunit;

namespace Quickstart.Tests;

/// <summary>
/// The isolation kit on the quickstart's model: a throwaway server, the quickstart's migration applied by the owner
/// role, then generated cases run as the app role — directly and through PgBouncer — by EF Core and by raw SQL.
/// </summary>
public sealed class TenantIsolationTests : IAsyncLifetime
{
    private PostgresServer? _server;
    private TestDatabase? _database;

    public async ValueTask InitializeAsync()
    {
        _server = await PostgresServer.StartAsync(b => b.WithPgBouncerIfInstalled());
        _database = await _server.CreateDatabaseAsync("quickstart");
        await using var owner = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(_database.OwnerConnectionString).UseTenancy().Options);
        await owner.Database.MigrateAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task No_tenant_sees_or_changes_another_tenants_orders()
    {
        var database = _database!;
        var app = new DbContextOptionsBuilder<ShopContext>().UseNpgsql(database.AppConnectionString).UseTenancy().Options;

        var report = await TenantIsolation.VerifyAsync(new PooledDbContextFactory<ShopContext>(app), new IsolationOptions
        {
            OracleConnectionString = database.AdminConnectionString,
            PgBouncerConnectionString = _server!.HasPgBouncer ? database.ConnectionString(TestRole.App, throughPgBouncer: true) : null,
            Cases = 200,
            Log = line => TestContext.Current.TestOutputHelper?.WriteLine(line),
        }, TestContext.Current.CancellationToken);

        Assert.Equal(200, report.CasesRun);
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
