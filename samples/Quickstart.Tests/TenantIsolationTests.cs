using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy;
using PgTenancy.Testing;
using Xunit;

namespace Quickstart.Tests;

/// <summary>
/// The isolation kit on the quickstart's model: a throwaway server, the quickstart's migration applied by the owner
/// role, then generated cases run as the app role — directly and through PgBouncer — by EF Core and by raw SQL, with
/// signed tenants against the verified policies.
/// </summary>
public sealed class TenantIsolationTests : IAsyncLifetime
{
    private readonly TenantSigningKey _key = TenantSigningKey.Generate(1);
    private PostgresServer? _server;
    private TestDatabase? _database;

    public async ValueTask InitializeAsync()
    {
        _server = await PostgresServer.StartAsync(b => b.WithPgBouncerIfInstalled());
        _database = await _server.CreateDatabaseAsync("quickstart");
        await using var owner = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(_database.OwnerConnectionString).UseTenancy().Options);
        await owner.Database.MigrateAsync(TestContext.Current.CancellationToken);
        await using var ownerPool = Npgsql.NpgsqlDataSource.Create(_database.OwnerConnectionString);
        await TenantSigningKeys.AddAsync(ownerPool, _key);
    }

    [Fact]
    public async Task No_tenant_sees_or_changes_another_tenants_orders()
    {
        var database = _database!;
        var app = new DbContextOptionsBuilder<ShopContext>().UseNpgsql(database.AppConnectionString).UseTenancy(o => o.SigningKey(_key)).Options;

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
