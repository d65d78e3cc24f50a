using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using PgTenancy.EntityFrameworkCore;
using PgTenancy.Testing;
using Xunit;

namespace PgTenancy.Docs.Tests.Snippets;

/// <summary>The isolation kit's "in CI" example runs here as written, on the docs' shop model.</summary>
public sealed class IsolationKitSnippets
{
    #region kit-fact
    [Fact]
    public async Task No_tenant_sees_or_changes_another_tenants_rows()
    {
        await using var server = await PostgresServer.StartAsync(b => b.WithPgBouncerIfInstalled());
        await using var db = await server.CreateDatabaseAsync("shop"); // roles shop_owner and shop_app: the role your migrations grant to
        await using (var owner = new ShopContext(Options(db.OwnerConnectionString))) await owner.Database.MigrateAsync();
        var report = await TenantIsolation.VerifyAsync(new PooledDbContextFactory<ShopContext>(Options(db.AppConnectionString)),
            new IsolationOptions { OracleConnectionString = db.AdminConnectionString, Cases = 100 });
    }
    private static DbContextOptions<ShopContext> Options(string cs) => new DbContextOptionsBuilder<ShopContext>().UseNpgsql(cs).UseTenancy().Options;
    #endregion

    internal static async Task EntryPoints(IDbContextFactory<ShopContext> contextFactory, TenantDataSource tenantDataSource, IsolationOptions options)
    {
        #region kit-entry-points
        // EF Core: every entity marked IsTenantScoped(), with EF Core operations and raw SQL through your contexts.
        await TenantIsolation.VerifyAsync(contextFactory, options);

        // ADO.NET / Dapper: the tables by name (columns, keys and foreign keys are read from the catalog).
        await TenantIsolation.VerifyAsync(tenantDataSource, [new TenantTable("orders"), new TenantTable("order_lines")], options);
        #endregion
    }
}
