using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>
/// The real tool, as a user runs it: a fresh project outside the solution with a tenant-scoped entity,
/// <c>dotnet ef migrations add</c> → the migration enables isolation → <c>dotnet ef database update</c> → the app role
/// sees only its tenant → the mark is removed → a new migration disables isolation.
/// </summary>
public sealed class DotnetEfEndToEndTests(ServerFixture server) : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("pgtenancy-ef-e2e-").FullName;
    private TestDatabase? _database;

    private TestDatabase Database => _database!;

    public async ValueTask InitializeAsync() => _database = await server.Server.CreateDatabaseAsync();

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await _database.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Migrations_add_and_database_update_isolate_tenants_and_unmarking_releases_them()
    {
        WriteProject(marked: true);
        await RunAsync("dotnet", "new", "tool-manifest");
        await RunAsync("dotnet", "tool", "install", "dotnet-ef", "--version", "10.0.15");

        await RunAsync("dotnet", "build");
        await RunAsync("dotnet", "ef", "migrations", "add", "Initial");
        var initial = File.ReadAllText(Directory.GetFiles(Path.Combine(_folder, "Migrations"), "*_Initial.cs").Single());
        Assert.Contains(".EnableTenantIsolation(", initial);
        Assert.Contains($"appRoles: new[] {{ \"{Database.AppRole}\" }}", initial);

        await RunAsync("dotnet", "ef", "database", "update");
        await using (var owner = NpgsqlDataSource.Create(Database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner);
        }

        var a = Guid.NewGuid();
        await Db.ExecuteAsync(Database.AdminConnectionString, $"""
            INSERT INTO notes ("TenantId", "Text") VALUES ('{a}', 'mine'), ('{Guid.NewGuid()}', 'theirs');
            GRANT SELECT ON notes TO "{Database.AppRole}";
            """);
        await using (var app = NpgsqlDataSource.Create(Database.AppConnectionString))
        await using (var bound = app.WithTenancy())
        using (TenantScope.Begin(TenantId.From(a)))
        {
            await using var connection = await bound.OpenConnectionAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT string_agg(\"Text\", ',') FROM notes";
            Assert.Equal("mine", await command.ExecuteScalarAsync());
        }

        WriteProject(marked: false);
        await RunAsync("dotnet", "ef", "migrations", "add", "Unmark");
        var unmark = File.ReadAllText(Directory.GetFiles(Path.Combine(_folder, "Migrations"), "*_Unmark.cs").Single());
        Assert.Contains(".DisableTenantIsolation(", unmark);
        await RunAsync("dotnet", "ef", "database", "update");

        Assert.False(await Db.ScalarAsync<bool>(Database.AdminConnectionString, "SELECT relrowsecurity OR relforcerowsecurity FROM pg_class WHERE relname = 'notes'"));
    }

    private void WriteProject(bool marked)
    {
        var efProject = Path.Combine(ExternalCommand.RepositoryRoot(), "src", "PgTenancy.EntityFrameworkCore", "PgTenancy.EntityFrameworkCore.csproj");
        File.WriteAllText(Path.Combine(_folder, "Notes.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{efProject}" />
                <PackageReference Include="Microsoft.EntityFrameworkCore.Design" Version="10.0.15" PrivateAssets="all" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(_folder, "Program.cs"), $$"""
            using Microsoft.EntityFrameworkCore;

            [assembly: Microsoft.EntityFrameworkCore.Design.DesignTimeServicesReference(
                "PgTenancy.EntityFrameworkCore.Design.TenancyDesignTimeServices, PgTenancy.EntityFrameworkCore")]

            public sealed class Note
            {
                public long Id { get; set; }
                public Guid TenantId { get; set; }
                public string Text { get; set; } = "";
            }

            public sealed class NotesContext : DbContext
            {
                public DbSet<Note> Notes => Set<Note>();

                protected override void OnConfiguring(DbContextOptionsBuilder options) =>
                    options.UseNpgsql(Environment.GetEnvironmentVariable("NOTES_CONNECTION")).UseTenancy(o => o.PolicyRoles("{{Database.AppRole}}"));

                protected override void OnModelCreating(ModelBuilder modelBuilder) =>
                    modelBuilder.Entity<Note>(note =>
                    {
                        note.ToTable("notes");
                        {{(marked ? "note.IsTenantScoped(n => n.TenantId);" : "")}}
                    });
            }

            public static class Program
            {
                public static void Main() { }
            }
            """);
    }

    private Task<string> RunAsync(params string[] command) =>
        ExternalCommand.RunCheckedAsync(_folder, new Dictionary<string, string> { ["NOTES_CONNECTION"] = Database.OwnerConnectionString }, command);
}
