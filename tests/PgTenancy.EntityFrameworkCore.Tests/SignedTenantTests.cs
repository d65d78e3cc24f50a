using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using PgTenancy.EntityFrameworkCore.Migrations.Operations;
using PgTenancy.TestSupport.RedTeam;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

public sealed class Document
{
    public Guid TenantId { get; set; }

    public long Id { get; set; }

    public string Title { get; set; } = "";
}

public sealed class SignedDocumentsContext(DbContextOptions<SignedDocumentsContext> options) : DbContext(options)
{
    public DbSet<Document> Documents => Set<Document>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Document>(document =>
        {
            document.ToTable("documents");
            document.HasKey(d => new { d.TenantId, d.Id });
            document.Property(d => d.TenantId).HasColumnName("tenant_id");
            document.Property(d => d.Id).HasColumnName("id").ValueGeneratedNever();
            document.Property(d => d.Title).HasColumnName("title");
            document.IsTenantScoped(d => d.TenantId);
        });
}

/// <summary>EF Core with a signing key: queries, the query filter and SaveChanges prove their tenant; migrations write verified policies.</summary>
public sealed class SignedTenantTests(RedTeamFixture redTeam) : IClassFixture<RedTeamFixture>
{
    private DbContextOptions<SignedDocumentsContext> Options(Action<Infrastructure.TenancyDbContextOptionsBuilder>? more = null) =>
        new DbContextOptionsBuilder<SignedDocumentsContext>()
            .UseNpgsql(redTeam.Verified.Database.AppConnectionString)
            .UseTenancy(o =>
            {
                o.SigningKey(redTeam.Verified.Key);
                more?.Invoke(o);
            })
            .Options;

    [Fact]
    public async Task Queries_the_query_filter_and_SaveChanges_run_as_the_signed_tenant()
    {
        await redTeam.Verified.ResetAsync();
        using var scope = TenantScope.Begin(DocumentsDatabase.A);
        await using var context = new SignedDocumentsContext(Options(o => o.UseQueryFilter()));

        var titles = await context.Documents.OrderBy(d => d.Id).Select(d => d.Title).ToListAsync();
        context.Documents.Add(new Document { Id = 10, Title = "A doc 10" });
        await context.SaveChangesAsync();
        var count = await context.Documents.CountAsync();

        Assert.Equal(["A doc 1", "A doc 2", "A doc 3"], titles);
        Assert.Equal(4, count);
    }

    [Fact]
    public async Task Without_the_key_the_same_context_sees_nothing()
    {
        await redTeam.Verified.ResetAsync();
        using var scope = TenantScope.Begin(DocumentsDatabase.A);
        await using var unsigned = new SignedDocumentsContext(new DbContextOptionsBuilder<SignedDocumentsContext>()
            .UseNpgsql(redTeam.Verified.Database.AppConnectionString).UseTenancy().Options);

        Assert.Equal(0, await unsigned.Documents.CountAsync());
    }

    [Fact]
    public void Migrations_write_verified_policies_and_a_switch_replaces_every_policy_in_one_migration()
    {
        using var plain = new SignedDocumentsContext(new DbContextOptionsBuilder<SignedDocumentsContext>().UseNpgsql("Host=unused").UseTenancy().Options);
        using var verified = new SignedDocumentsContext(new DbContextOptionsBuilder<SignedDocumentsContext>().UseNpgsql("Host=unused").UseTenancy(o => o.VerifiedPolicies()).Options);
        var differ = verified.GetService<IMigrationsModelDiffer>();

        var fresh = differ.GetDifferences(null, verified.GetService<IDesignTimeModel>().Model.GetRelationalModel());
        var switchOver = differ.GetDifferences(
            plain.GetService<IDesignTimeModel>().Model.GetRelationalModel(), verified.GetService<IDesignTimeModel>().Model.GetRelationalModel());

        Assert.True(fresh.OfType<EnableTenantIsolationOperation>().Single().Verified);
        Assert.Collection(switchOver,
            o => Assert.False(Assert.IsType<DisableTenantIsolationOperation>(o).Verified),
            o => Assert.True(Assert.IsType<EnableTenantIsolationOperation>(o).Verified));
    }
}
