using System.IO.Compression;
using System.Net;
using System.Xml.Linq;
using Npgsql;
using PgTenancy.Packaging.Tests.Applications;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Packaging.Tests;

/// <summary>
/// <c>dotnet new pgtenancy-webapi</c> from the packed template package, in a hive of the test's own (the user's template
/// list is left alone): the project is made under a name that is not a PostgreSQL identifier as it is, its own tests pass
/// (the isolation kit, the doctor, the migrations match the model), and the application, migrated by an owner without
/// CREATEROLE, serves each tenant its own orders.
/// </summary>
public sealed class TemplateTests(ServerFixture server, PackedFeed feed) : IAsyncLifetime
{
    private const string ProjectName = "Acme.Store";
    private const string DatabaseName = "acme_store";   // the template's rule: lower case, other characters as '_'

    private readonly string _root = Path.Combine(feed.Root, "template-" + Guid.NewGuid().ToString("N")[..8]);
    private TestDatabase? _database;

    private string Solution => Path.Combine(_root, ProjectName);

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync(DatabaseName);
        Directory.CreateDirectory(_root);
        var hive = Path.Combine(_root, "hive");
        await ExternalCommand.RunCheckedAsync(_root, feed.Environment(),
            ["dotnet", "new", "install", feed.PackageFile(PackedFeed.TemplatePackageId), "--debug:custom-hive", hive]);
        await ExternalCommand.RunCheckedAsync(_root, feed.Environment(),
            ["dotnet", "new", "pgtenancy-webapi", "-n", ProjectName, "--debug:custom-hive", hive]);
        feed.WriteNuGetConfig(Solution);
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
    public void The_package_is_a_template_whose_projects_reference_the_packages_released_with_it()
    {
        using var package = ZipFile.OpenRead(feed.PackageFile(PackedFeed.TemplatePackageId));
        var nuspec = XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        Assert.Contains(nuspec.Descendants(), e => e.Name.LocalName == "packageType" && e.Attribute("name")?.Value == "Template");

        var files = Directory.GetFiles(Solution, "*", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ToList();
        var leftovers = files.Where(f => File.ReadAllText(f) is var text
            && (text.Contains("PGTENANCY_VERSION", StringComparison.Ordinal) || text.Contains("PgTenancyWebApp", StringComparison.Ordinal) || text.Contains("tenantapp", StringComparison.Ordinal)));
        Assert.Empty(leftovers);

        Assert.Contains($"Include=\"PgTenancy.EntityFrameworkCore\" Version=\"{feed.Version}\"", File.ReadAllText(Path.Combine(Solution, ProjectName, ProjectName + ".csproj")), StringComparison.Ordinal);
        Assert.Contains($"\"version\": \"{feed.Version}\"", File.ReadAllText(Path.Combine(Solution, ".config", "dotnet-tools.json")), StringComparison.Ordinal);
        Assert.Contains($"const string App = \"{DatabaseName}_app\"", File.ReadAllText(Path.Combine(Solution, ProjectName, "Data", "AppRoles.cs")), StringComparison.Ordinal);

        var ci = File.ReadAllText(Path.Combine(Solution, ".github", "workflows", "ci.yml"));
        Assert.Contains("run: dotnet test", ci, StringComparison.Ordinal);
        Assert.Contains($"dotnet pgtenancy doctor --connection \"$ADMIN_CONNECTION\" --app-role {DatabaseName}_app --fail-on high", ci, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_made_project_passes_its_own_tests_and_serves_each_tenant_its_own_orders()
    {
        var environment = feed.Environment();
        var tests = await ExternalCommand.RunCheckedAsync(Solution, environment, ["dotnet", "test"], TimeSpan.FromMinutes(8));
        TestContext.Current.TestOutputHelper?.WriteLine(tests);
        Assert.Contains("succeeded: 3", tests, StringComparison.Ordinal);   // isolation kit, doctor, migrations match the model

        var database = _database!;
        await ExternalCommand.RunCheckedAsync(Solution, environment, ["dotnet", "tool", "restore"]);
        await ExternalCommand.RunCheckedAsync(Solution, environment,
            ["dotnet", "ef", "database", "update", "--project", ProjectName, "--connection", database.OwnerConnectionString], TimeSpan.FromMinutes(5));

        await using var app = new DevelopmentApp(Path.Combine(Solution, ProjectName), ProjectName, environment);
        var tokenA = await app.TokenAsync("aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa");
        var tokenB = await app.TokenAsync("bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb");
        await app.StartAsync(database.AppConnectionString);

        Assert.Equal(HttpStatusCode.Created, await app.PostOrderAsync(tokenA, """{ "customer": "a1", "total": 12.50 }"""));
        Assert.Equal(HttpStatusCode.Created, await app.PostOrderAsync(tokenB, """{ "customer": "b1", "total": 3 }"""));
        var (statusA, ordersA) = await app.GetOrdersAsync(tokenA);
        var (statusB, ordersB) = await app.GetOrdersAsync(tokenB);

        Assert.True(statusA == HttpStatusCode.OK && statusB == HttpStatusCode.OK, $"Tenant A: {statusA}, tenant B: {statusB}.\n{app.Output}");
        Assert.Equal(["a1"], ordersA);
        Assert.Equal(["b1"], ordersB);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.GetOrdersAsync(token: null)).Status);
        Assert.Equal("aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa", await Db.ScalarAsync<string>(database.AdminConnectionString,
            """SELECT "TenantId"::text FROM "Orders" WHERE "Customer" = 'a1'"""));
    }
}
