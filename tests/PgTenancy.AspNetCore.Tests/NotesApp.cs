using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using PgTenancy.AspNetCore;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.AspNetCore.Tests;

public sealed class Note
{
    public long Id { get; set; }

    public Guid TenantId { get; set; }

    public string Text { get; set; } = "";
}

public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Note>(note =>
        {
            note.ToTable("notes");
            note.IsTenantScoped(n => n.TenantId);
        });
}

/// <summary>
/// A notes database under row-level security, and a small web app over it: tenant from a header, a JWT claim or the
/// host name; /notes lists the tenant's notes through EF Core as the app role; /health needs no tenant.
/// </summary>
public sealed class NotesFixture(ServerFixture server) : IAsyncLifetime
{
    public const int NotesPerTenant = 3;
    public static readonly TenantId[] Tenants =
        [TenantId.Parse("aaaaaaaa-1111-4111-8111-000000000001"), TenantId.Parse("bbbbbbbb-2222-4222-8222-000000000002"), TenantId.Parse("cccccccc-3333-4333-8333-000000000003")];

    public static readonly SymmetricSecurityKey SigningKey = new(System.Text.Encoding.UTF8.GetBytes("a-test-only-signing-key-of-32-bytes-or-more!"));

    private TestDatabase? _database;
    private NpgsqlDataSource? _app;
    private int _endpointCalls;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("not initialised");

    /// <summary>How often the /notes endpoint ran: a refused request must never reach it.</summary>
    public int EndpointCalls => Volatile.Read(ref _endpointCalls);

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync();
        await using (var owner = new NotesContext(new DbContextOptionsBuilder<NotesContext>().UseNpgsql(Database.OwnerConnectionString).Options))
        {
            await owner.Database.EnsureCreatedAsync();
        }

        await Db.ExecuteAsync(Database.OwnerConnectionString, $"""
            {new TenantIsolationPolicy("notes", "TenantId") { Schema = "public", AppRoles = [Database.AppRole] }.EnableSql()}
            GRANT SELECT, INSERT, UPDATE, DELETE ON notes TO "{Database.AppRole}";
            GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{Database.AppRole}";
            """);
        await using (var owner = NpgsqlDataSource.Create(Database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner);
        }

        await Db.ExecuteAsync(Database.AdminConnectionString, $"""
            INSERT INTO notes ("TenantId", "Text") SELECT t::uuid, 'note ' || g FROM unnest(ARRAY[{string.Join(",", Tenants.Select(t => $"'{t}'"))}]) t, generate_series(1, {NotesPerTenant}) g;
            """);
        _app = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Database.AppConnectionString) { MaxPoolSize = 3 }.ConnectionString);
    }

    /// <summary>Starts the app in memory with the given resolution options.</summary>
    public async Task<WebApplication> StartAsync(Action<TenantResolutionOptions> resolution, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDbContextPool<NotesContext>(o => o.UseNpgsql(_app!).UseTenancy());
        builder.Services.AddPgTenancy(resolution);
        builder.Services.AddAuthentication().AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = false,
                ValidateAudience = false,
                IssuerSigningKey = SigningKey,
            };
        });
        builder.Services.AddAuthorization();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseTenantResolution();
        app.MapGet("/health", () => "ok");
        app.MapGet("/notes", async (NotesContext notes) =>
        {
            Interlocked.Increment(ref _endpointCalls);
            return await notes.Notes.Select(n => n.TenantId).ToListAsync();
        });
        await app.StartAsync();
        return app;
    }

    public static string Token(params Claim[] claims) =>
        new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(
            claims: claims, expires: DateTime.UtcNow.AddMinutes(5), signingCredentials: new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256)));

    public NpgsqlDataSource AppDataSource => _app!;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
