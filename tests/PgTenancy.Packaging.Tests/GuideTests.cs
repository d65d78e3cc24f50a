using System.Net;
using Npgsql;
using PgTenancy.Packaging.Tests.Applications;
using PgTenancy.Packaging.Tests.Guide;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Packaging.Tests;

/// <summary>
/// docs/getting-started.md executed as written, from an empty folder outside the repository, on the packed packages:
/// every command and file of the guide in its order (GuideScript), then the requests its step 4 describes, one per
/// tenant. The database is made the way an administrator provisions one: an owner without CREATEROLE or superuser that
/// runs the migrations, and the application role already there.
/// </summary>
public sealed class GuideTests(ServerFixture server, PackedFeed feed) : IAsyncLifetime
{
    private const string TenantA = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";   // the guide's own example tenant
    private const string TenantB = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb";

    private readonly string _root = Path.Combine(feed.Root, "guide-" + Guid.NewGuid().ToString("N")[..8]);
    private TestDatabase? _database;

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync("shop");   // roles shop_owner and shop_app, as the guide names them
        Directory.CreateDirectory(_root);
        feed.WriteNuGetConfig(_root);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_getting_started_guide_works_as_written_from_an_empty_folder()
    {
        var database = _database!;
        Assert.False(await Db.ScalarAsync<bool>(database.OwnerConnectionString,
            "SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = current_user"));

        var steps = GuideScript.Read(Path.Combine(ExternalCommand.RepositoryRoot(), "docs", "getting-started.md"));
        Assert.Contains(steps, s => s is GuideScript.Shell { Commands: var c } && c.Contains("dotnet ef database update", StringComparison.Ordinal));
        Assert.Contains(steps, s => s is GuideScript.Shell { Commands: var c } && c.Contains("dotnet test", StringComparison.Ordinal));
        Assert.Contains(steps, s => s is GuideScript.Shell { Commands: var c } && c.Contains("pgtenancy doctor", StringComparison.Ordinal));

        var guide = new GuideRunner(_root, feed.Version, new Dictionary<string, string>(feed.Environment())
        {
            ["OWNER_CONNECTION"] = database.OwnerConnectionString,
            ["APP_CONNECTION"] = database.AppConnectionString,
            ["ADMIN_CONNECTION"] = database.AdminConnectionString,
        });
        foreach (var step in steps)
        {
            await guide.RunAsync(step);   // step 3 migrates as the owner, step 5's dotnet test runs the kit, step 6's doctor exits 0
        }

        Assert.Equal(2L, await Db.ScalarAsync<long>(database.AdminConnectionString, """SELECT count(*) FROM "__EFMigrationsHistory" """));
        await Db.ExecuteAsync(database.AdminConnectionString, $"""
            INSERT INTO "Orders" ("TenantId", "Customer") VALUES ('{TenantA}', 'a1'), ('{TenantA}', 'a2'), ('{TenantB}', 'b1')
            """);

        // Step 4: one request per tenant with the tokens the guide's user-jwts command makes.
        await using var app = new DevelopmentApp(Path.Combine(_root, "Shop"), "Shop", guide.Environment);
        var tokenA = await app.TokenAsync(TenantA);
        var tokenB = await app.TokenAsync(TenantB);
        await app.StartAsync(database.AppConnectionString);

        var (statusA, ordersA) = await app.GetOrdersAsync(tokenA);
        var (statusB, ordersB) = await app.GetOrdersAsync(tokenB);
        var (anonymous, _) = await app.GetOrdersAsync(token: null);

        Assert.True(statusA == HttpStatusCode.OK && statusB == HttpStatusCode.OK, $"Tenant A: {statusA}, tenant B: {statusB}.\n{app.Output}");
        Assert.Equal(["a1", "a2"], ordersA);
        Assert.Equal(["b1"], ordersB);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
    }
}
