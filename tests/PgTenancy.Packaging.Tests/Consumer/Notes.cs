using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using PgTenancy.EntityFrameworkCore;

namespace Consumer;

public sealed class Note
{
    public Guid TenantId { get; set; }
    public long Id { get; set; }
    public string Text { get; set; } = "";
}

public sealed class NotesContext(DbContextOptions<NotesContext> options) : DbContext(options)
{
    public DbSet<Note> Notes => Set<Note>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Note>(note =>
        {
            note.ToTable("notes");
            note.HasKey(n => new { n.TenantId, n.Id });
            note.Property(n => n.TenantId).HasColumnName("tenant_id");
            note.Property(n => n.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            note.Property(n => n.Text).HasColumnName("text");
            note.IsTenantScoped(n => n.TenantId);
        });
}

/// <summary>For dotnet ef: the model and the role its policies name, without connecting.</summary>
public sealed class DesignTimeNotesFactory : IDesignTimeDbContextFactory<NotesContext>
{
    public NotesContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<NotesContext>().UseNpgsql("Host=design-time-only").UseTenancy(t => t.PolicyRoles(NotesMigration.AppRole)).Options);
}

/// <summary>The schema as a user writes it: a table, the binding's procedures, the app role's grants, RLS.</summary>
[DbContext(typeof(NotesContext))]
[Migration("20261127000000_Notes")]
public sealed class NotesMigration : Migration
{
    public const string AppRole = "consumer_app";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "notes",
            columns: table => new
            {
                tenant_id = table.Column<Guid>(nullable: false),
                id = table.Column<long>(nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                text = table.Column<string>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_notes", x => new { x.tenant_id, x.id }));
        migrationBuilder.InstallTenantBinding();
        migrationBuilder.GrantTenantPrivileges(AppRole);
        migrationBuilder.EnableTenantIsolation("notes", "tenant_id", appRoles: [AppRole]);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DisableTenantIsolation("notes", "tenant_id", appRoles: [AppRole]);
        migrationBuilder.RevokeTenantPrivileges(AppRole);
        migrationBuilder.UninstallTenantBinding();
        migrationBuilder.DropTable(name: "notes");
    }
}
