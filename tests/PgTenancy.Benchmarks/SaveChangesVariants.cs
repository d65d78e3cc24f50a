using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Npgsql;
using PgTenancy.EntityFrameworkCore;

namespace PgTenancy.Benchmarks;

/// <summary>A tenant's note, inserted by SaveChanges; the tenant comes from the scope.</summary>
internal sealed class Note
{
    public Guid TenantId { get; set; }

    public long Id { get; set; }

    public string Body { get; set; } = "";
}

/// <summary>The notes table under a raw-setting policy (<c>notes</c>) or a verified one (<c>signed_notes</c>).</summary>
internal abstract class NotesContext(DbContextOptions options, string table) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Note>(note =>
        {
            note.ToTable(table);
            note.HasKey(n => n.Id);
            note.Property(n => n.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            note.Property(n => n.TenantId).HasColumnName("tenant_id");
            note.Property(n => n.Body).HasColumnName("body");
            note.IsTenantScoped(n => n.TenantId);
        });
}

internal sealed class PlainNotesContext(DbContextOptions<PlainNotesContext> options) : NotesContext(options, "notes");

internal sealed class SignedNotesContext(DbContextOptions<SignedNotesContext> options) : NotesContext(options, "signed_notes");

/// <summary>SaveChanges of one new row, as a web request would: a pooled context, one insert, disposed.</summary>
internal static class SaveChangesVariants
{
    /// <summary>The signed binding through EF Core.</summary>
    public const string Signed = "UseTenancy(o => o.SigningKey(…)), signed tenant (RLS, verified policy)";

    public const string Query = "save1";

    public static IEnumerable<Variant> For(NpgsqlDataSource baseline, NpgsqlDataSource app, string endpoint)
    {
        // The baseline role bypasses RLS; the tenant is set on the entity by hand, as an app without PgTenancy would.
        var unbound = new PooledDbContextFactory<PlainNotesContext>(new DbContextOptionsBuilder<PlainNotesContext>().UseNpgsql(baseline).Options);
        var bound = new PooledDbContextFactory<PlainNotesContext>(new DbContextOptionsBuilder<PlainNotesContext>().UseNpgsql(app).UseTenancy().Options);
        var signed = new PooledDbContextFactory<SignedNotesContext>(
            new DbContextOptionsBuilder<SignedNotesContext>().UseNpgsql(app).UseTenancy(o => o.SigningKey(BenchmarkDatabase.SigningKey)).Options);

        yield return new Variant(Variant.Baseline, Query, endpoint, (tenant, _) => SaveAsync(unbound, tenant, explicitTenant: true));
        yield return new Variant(Variant.BoundEf, Query, endpoint, (tenant, _) => SaveAsync(bound, tenant, explicitTenant: false));
        yield return new Variant(Signed, Query, endpoint, (tenant, _) => SaveAsync(signed, tenant, explicitTenant: false));
    }

    private static async Task<int> SaveAsync<TContext>(PooledDbContextFactory<TContext> factory, Guid tenant, bool explicitTenant)
        where TContext : NotesContext
    {
        using var scope = explicitTenant ? null : TenantScope.Begin(TenantId.From(tenant));
        await using var context = await factory.CreateDbContextAsync();
        context.Notes.Add(new Note { TenantId = explicitTenant ? tenant : default, Body = "note" });
        return await context.SaveChangesAsync();
    }
}
