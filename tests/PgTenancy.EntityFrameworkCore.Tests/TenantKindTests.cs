using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>An <c>int</c> tenant key, as many existing schemas have one.</summary>
public sealed class Ticket
{
    public int TenantId { get; set; }

    public long Id { get; set; }

    public string Title { get; set; } = "";
}

public sealed class TicketContext(DbContextOptions<TicketContext> options) : DbContext(options)
{
    public DbSet<Ticket> Tickets => Set<Ticket>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Ticket>(ticket =>
        {
            ticket.ToTable("tickets");
            ticket.HasKey(t => new { t.TenantId, t.Id });
            ticket.Property(t => t.Id).UseIdentityByDefaultColumn();
            ticket.IsTenantScoped(t => t.TenantId);
        });
}

/// <summary>Which CLR types hold which tenant kind: one table, checked when the model is built, honoured end to end.</summary>
public sealed class TenantKindTests(ServerFixture server) : IAsyncLifetime
{
    private static readonly TenantId One = TenantId.From(1);
    private static readonly TenantId Two = TenantId.From(2);
    private TestDatabase? _database;

    public async ValueTask InitializeAsync() => _database = await server.Server.CreateDatabaseAsync();

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public void A_tenant_property_of_another_kind_than_the_options_is_refused_when_the_model_is_built()
    {
        var options = new DbContextOptionsBuilder<TicketContext>().UseNpgsql("Host=unused").UseTenancy().Options;
        using var context = new TicketContext(options);

        var error = Assert.Throws<InvalidOperationException>(() => context.Model);

        Assert.Contains("Ticket.TenantId is a Int32, which holds BigInt tenants, but UseTenancy() binds Uuid tenants", error.Message);
        Assert.Contains("UseTenancy(o => o.TenantKind(TenantIdKind.BigInt))", error.Message);
    }

    [Fact]
    public async Task Int_tenants_are_isolated_end_to_end_with_the_bigint_kind()
    {
        var database = _database!;
        await using (var owner = new TicketContext(new DbContextOptionsBuilder<TicketContext>().UseNpgsql(database.OwnerConnectionString).Options))
        {
            await owner.Database.EnsureCreatedAsync();
        }

        await Db.ExecuteAsync(database.OwnerConnectionString, $"""
            {new TenantIsolationPolicy("tickets", "TenantId") { TenantKind = TenantIdKind.BigInt, AppRoles = [database.AppRole] }.EnableSql()}
            GRANT SELECT, INSERT, UPDATE, DELETE ON tickets TO "{database.AppRole}";
            """);
        await using (var owner = NpgsqlDataSource.Create(database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner);
        }

        foreach (var (tenant, title) in new[] { (One, "one's"), (Two, "two's") })
        {
            using var scope = TenantScope.Begin(tenant);
            await using var app = new TicketContext(Options(database.AppConnectionString));
            app.Tickets.Add(new Ticket { Title = title });   // the int tenant is filled from the bigint tenant
            await app.SaveChangesAsync();
        }

        using (TenantScope.Begin(One))
        {
            await using var app = new TicketContext(Options(database.AppConnectionString));
            var tickets = await app.Tickets.ToListAsync();

            Assert.Equal("one's", Assert.Single(tickets).Title);
            Assert.Equal(1, tickets[0].TenantId);
        }
    }

    private static DbContextOptions<TicketContext> Options(string connectionString) =>
        new DbContextOptionsBuilder<TicketContext>().UseNpgsql(connectionString).UseTenancy(o => o.TenantKind(TenantIdKind.BigInt)).Options;
}
