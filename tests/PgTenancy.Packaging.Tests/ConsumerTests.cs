using System.Text.Json;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Packaging.Tests;

/// <summary>
/// Someone who is not in this repository: a fresh application outside the solution that gets PgTenancy from the
/// packed folder only (third-party packages from the registry), built and run against the test server — tenant
/// binding, an EF migration with EnableTenantIsolation, the isolation kit — and the pgtenancy tool installed from the
/// same folder auditing that database.
/// </summary>
public sealed class ConsumerTests(ServerFixture server, PackedFeed feed) : IAsyncLifetime
{
    private TestDatabase? _database;

    /// <summary>This test's copy of the application (each test gets its own folder, the package folder is shared).</summary>
    private string App { get; } = Path.Combine(feed.Root, "app-" + Guid.NewGuid().ToString("N")[..8]);

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync("consumer");
        WriteApplication();
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_fresh_application_on_the_packages_binds_tenants_migrates_with_rls_and_passes_the_isolation_kit()
    {
        var output = await ExternalCommand.RunCheckedAsync(App, Environment(), ["dotnet", "run", "-c", "Release"], TimeSpan.FromMinutes(8));

        TestContext.Current.TestOutputHelper?.WriteLine(output);
        string[] expected =
        [
            "ok: design-time services referenced",
            "ok: migration enabled and forced row-level security",
            "ok: tenant binding (A reads a1,a2)",
            "ok: EF Core (B reads b1)",
            "ok: isolation kit ran 20 cases",
        ];
        var lines = output.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.All(expected, line => Assert.True(lines.Contains(line), $"The consumer did not print '{line}':\n{output}"));
        Assert.True(FromTheFeed("pgtenancy"), "PgTenancy was not restored from the packed folder.");

        var tools = Path.Combine(feed.Root, "tools");
        await ExternalCommand.RunCheckedAsync(App, Environment(),
            ["dotnet", "tool", "install", "PgTenancy.Tool", "--version", feed.Version, "--tool-path", tools]);
        var (exitCode, report) = await ExternalCommand.RunAsync(App, Environment(),
            [Path.Combine(tools, "pgtenancy"), "doctor", "--connection", _database!.AdminConnectionString, "--app-role", NotesAppRole, "--format", "json", "--fail-on", "high"]);

        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Assert.True(exitCode == 0, $"pgtenancy doctor ended with {exitCode}:\n{report}");
        using var json = JsonDocument.Parse(report);
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal(TenancyDoctorCheckCount, checks.Count);
        Assert.All(checks.Where(c => c.Key.StartsWith("RLS-", StringComparison.Ordinal) || c.Key.StartsWith("ROLE-", StringComparison.Ordinal)),
            c => Assert.True(c.Value == "passed", $"{c.Key} is {c.Value} for the consumer's database:\n{report}"));
    }

    [Fact]
    public async Task Dotnet_ef_writes_EnableTenantIsolation_in_a_project_that_only_references_the_packages()
    {
        // No DesignTimeServicesReference line in the consumer: the EF package's buildTransitive targets add it.
        await ExternalCommand.RunCheckedAsync(App, Environment(), ["dotnet", "new", "tool-manifest"]);
        await ExternalCommand.RunCheckedAsync(App, Environment(), ["dotnet", "tool", "install", "dotnet-ef", "--version", "10.0.15"]);
        await ExternalCommand.RunCheckedAsync(App, Environment(), ["dotnet", "build"], TimeSpan.FromMinutes(8));
        await ExternalCommand.RunCheckedAsync(App, Environment(), ["dotnet", "ef", "migrations", "add", "Generated", "--output-dir", "Generated"], TimeSpan.FromMinutes(8));

        var migration = File.ReadAllText(Directory.GetFiles(Path.Combine(App, "Generated"), "*_Generated.cs").Single());
        Assert.Contains(".EnableTenantIsolation(", migration, StringComparison.Ordinal);
        Assert.Contains($"appRoles: new[] {{ \"{NotesAppRole}\" }}", migration, StringComparison.Ordinal);
    }

    /// <summary>The app role the consumer's migration grants to: <c>CreateDatabaseAsync("consumer")</c> makes it.</summary>
    private const string NotesAppRole = "consumer_app";

    /// <summary>Every check the packed tool runs against a database without a pgbouncer.ini, pgbackrest.conf, restore report or pgbackrest info, nor Citus: the library's own list.</summary>
    private static readonly int TenancyDoctorCheckCount = PgTenancy.Doctor.TenancyDoctor.Checks.Count(c =>
        !c.Id.StartsWith("PGB-", StringComparison.Ordinal) && !c.Id.StartsWith("CIT-", StringComparison.Ordinal) && c.Id is not ("BAK-02" or "BAK-03" or "BAK-04"));

    private Dictionary<string, string> Environment() => new Dictionary<string, string>
    {
        ["CONSUMER_OWNER_CONNECTION"] = _database!.OwnerConnectionString,
        ["CONSUMER_APP_CONNECTION"] = _database.AppConnectionString,
        ["CONSUMER_ADMIN_CONNECTION"] = _database.AdminConnectionString,
        ["CONSUMER_PGBOUNCER_CONNECTION"] = _database.ConnectionString(TestRole.App, throughPgBouncer: true),
    }.Concat(feed.Environment()).ToDictionary();

    private bool FromTheFeed(string id) =>
        File.Exists(Path.Combine(feed.Root, "packages", id, feed.Version.ToLowerInvariant(), $"{id}.{feed.Version.ToLowerInvariant()}.nupkg"));

    private void WriteApplication()
    {
        Directory.CreateDirectory(App);
        var source = Path.Combine(AppContext.BaseDirectory, "Consumer");
        foreach (var file in Directory.GetFiles(source, "*.cs"))
        {
            File.Copy(file, Path.Combine(App, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(App, "Consumer.csproj"),
            File.ReadAllText(Path.Combine(source, "Consumer.csproj.in")).Replace("$(PgTenancyVersion)", feed.Version, StringComparison.Ordinal));

        feed.WriteNuGetConfig(App);
    }
}
