using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using PgTenancy.EntityFrameworkCore.Migrations.Operations;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>A context whose schema comes from the migration below, applied and reverted on a real server.</summary>
public sealed class MigratedContext(DbContextOptions<MigratedContext> options) : DbContext(options)
{
    public DbSet<Invoice> Invoices => Set<Invoice>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<Invoice>(invoice =>
        {
            invoice.ToTable("invoices", "billing");
            invoice.IsTenantScoped(i => i.TenantId);
        });
}

public sealed class Invoice
{
    public long Id { get; set; }

    public Guid TenantId { get; set; }

    public int Total { get; set; }
}

[DbContext(typeof(MigratedContext))]
[Migration("20261126000000_TenantIsolation")]
public sealed class TenantIsolationMigration : Migration
{
    public const string AppRole = "billing_app_role";

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.EnsureSchema("billing");
        migrationBuilder.CreateTable(
            name: "invoices",
            schema: "billing",
            columns: table => new
            {
                Id = table.Column<long>(nullable: false).Annotation("Npgsql:ValueGenerationStrategy", Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                TenantId = table.Column<Guid>(nullable: false),
                Total = table.Column<int>(nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_invoices", x => x.Id));
        migrationBuilder.InstallTenantBinding();
        migrationBuilder.CreateTenantAppRole(AppRole);
        migrationBuilder.GrantTenantPrivileges(AppRole, "billing");
        migrationBuilder.EnableTenantIsolation("invoices", "TenantId", appRoles: [AppRole], schema: "billing");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DisableTenantIsolation("invoices", "TenantId", appRoles: [AppRole], schema: "billing");
        migrationBuilder.RevokeTenantPrivileges(AppRole, "billing");
        migrationBuilder.DropTenantRole(AppRole);
        migrationBuilder.UninstallTenantBinding();
        migrationBuilder.DropTable(name: "invoices", schema: "billing");
        migrationBuilder.Sql("DROP SCHEMA billing;");
    }
}

public sealed class MigrationTests(ServerFixture server) : IAsyncLifetime
{
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
    }

    // Migrations run as the superuser here: they create a role. UseTenancy() does not refuse it for migrations.
    private MigratedContext AsAdmin() => new(new DbContextOptionsBuilder<MigratedContext>().UseNpgsql(Database.AdminConnectionString).UseTenancy().Options);

    [Fact]
    public void The_operations_SQL_is_the_policy_and_role_SQL_from_PgTenancy()
    {
        using var context = AsAdmin();
        var generator = context.GetService<IMigrationsSqlGenerator>();
        var enable = new EnableTenantIsolationOperation { Table = "invoices", Schema = "billing", TenantColumn = "TenantId", AppRoles = ["a"] };

        var commands = generator.Generate([
            enable,
            new CreateTenantRoleOperation { Name = "a" },
            new GrantTenantPrivilegesOperation { Role = "a", Schema = "billing" },
            new AddTenantTableGuardOperation { TenantColumn = "TenantId" },
        ]);

        Assert.Equal(enable.ToPolicy().EnableSql().Trim(), commands[0].CommandText.Trim());
        Assert.Equal(TenantRoles.CreateAppRole("a").Trim(), commands[1].CommandText.Trim());
        Assert.Equal(TenantRoles.GrantDml("a", "billing").Trim(), commands[2].CommandText.Trim());
        Assert.Equal(TenantTableGuard.InstallSql("TenantId").Trim(), commands[3].CommandText.Trim());
    }

    [Fact]
    public void Granting_in_the_schema_of_the_migration_history_takes_the_writes_on_the_history_back()
    {
        using var context = AsAdmin();
        var generator = context.GetService<IMigrationsSqlGenerator>();

        var inPublic = generator.Generate([new GrantTenantPrivilegesOperation { Role = "a", Schema = "public" }]).Single().CommandText;
        var inBilling = generator.Generate([new GrantTenantPrivilegesOperation { Role = "a", Schema = "billing" }]).Single().CommandText;

        Assert.Contains("REVOKE INSERT, UPDATE, DELETE ON TABLE \"public\".\"__EFMigrationsHistory\" FROM \"a\"", inPublic);
        Assert.DoesNotContain("__EFMigrationsHistory", inBilling);
    }

    [Fact]
    public async Task InstallTenantVerification_installs_the_verifier_as_the_owner_and_its_inverse_removes_it()
    {
        await using var owner = new MigratedContext(new DbContextOptionsBuilder<MigratedContext>().UseNpgsql(Database.OwnerConnectionString).UseTenancy().Options);
        var generator = owner.GetService<IMigrationsSqlGenerator>();
        var install = generator.Generate([new InstallTenantVerificationOperation()]).Single().CommandText;
        var uninstall = generator.Generate([new UninstallTenantVerificationOperation()]).Single().CommandText;

        await Db.ExecuteAsync(Database.OwnerConnectionString, install);
        var installed = await Db.ScalarAsync<bool>(Database.AdminConnectionString, "SELECT to_regprocedure('pgtenancy.verified_tenant(text)') IS NOT NULL AND to_regclass('pgtenancy.tenant_keys') IS NOT NULL");
        var keysHidden = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Database.AppConnectionString, "SELECT count(*) FROM pgtenancy.tenant_keys"));
        await Db.ExecuteAsync(Database.OwnerConnectionString, uninstall);
        var removed = await Db.ScalarAsync<bool>(Database.AdminConnectionString, "SELECT to_regprocedure('pgtenancy.verified_tenant(text)') IS NULL AND to_regclass('pgtenancy.tenant_keys') IS NULL");

        Assert.True(installed);
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, keysHidden.SqlState);
        Assert.True(removed);
    }

    [Fact]
    public async Task The_migration_script_shows_the_operations_and_contains_no_password()
    {
        await using var context = AsAdmin();

        var script = context.GetService<IMigrator>().GenerateScript();

        Assert.Contains("FORCE ROW LEVEL SECURITY", script);
        Assert.Contains("CREATE POLICY \"tenant_isolation\" ON \"billing\".\"invoices\"", script);
        Assert.Contains($"CREATE ROLE \"{TenantIsolationMigration.AppRole}\" LOGIN NOSUPERUSER NOBYPASSRLS", script);
        Assert.Contains("PASSWORD NULL", script);
        Assert.DoesNotContain("PASSWORD '", script);
    }

    [Fact]
    public async Task Up_isolates_tenants_for_the_app_role_and_Down_restores_the_catalog()
    {
        const string catalog = """
            SELECT (SELECT count(*) FROM pg_namespace WHERE nspname IN ('billing', 'pgtenancy'))
                 + (SELECT count(*) FROM pg_roles WHERE rolname = 'billing_app_role')
                 + (SELECT count(*) FROM pg_policies WHERE schemaname = 'billing')
                 + (SELECT count(*) FROM pg_default_acl)
            """;
        var before = await Db.ScalarAsync<long>(Database.AdminConnectionString, catalog);
        await using (var admin = AsAdmin())
        {
            await admin.Database.MigrateAsync();
        }

        var tenantA = Guid.Parse("aaaaaaaa-1111-4111-8111-111111111111");
        var tenantB = Guid.Parse("bbbbbbbb-2222-4222-8222-222222222222");
        await Db.ExecuteAsync(Database.AdminConnectionString, $"""
            INSERT INTO billing.invoices ("TenantId", "Total") VALUES ('{tenantA}', 1), ('{tenantA}', 2), ('{tenantB}', 3);
            ALTER ROLE {TenantIsolationMigration.AppRole} PASSWORD 'set-at-deploy-time';
            GRANT CONNECT ON DATABASE "{Database.Name}" TO {TenantIsolationMigration.AppRole};
            """);
        var app = new NpgsqlConnectionStringBuilder(Database.AppConnectionString) { Username = TenantIsolationMigration.AppRole, Password = "set-at-deploy-time", Pooling = false };
        await using (var appContext = new MigratedContext(new DbContextOptionsBuilder<MigratedContext>().UseNpgsql(app.ConnectionString).UseTenancy().Options))
        using (TenantScope.Begin(TenantId.From(tenantA)))
        {
            var totals = await appContext.Invoices.Select(i => i.Total).OrderBy(t => t).ToListAsync();
            Assert.Equal([1, 2], totals);
        }

        await Db.ExecuteAsync(Database.AdminConnectionString, $"REVOKE CONNECT ON DATABASE \"{Database.Name}\" FROM {TenantIsolationMigration.AppRole}");
        await using (var admin = AsAdmin())
        {
            await admin.GetService<IMigrator>().MigrateAsync("0");
        }

        Assert.Equal(before, await Db.ScalarAsync<long>(Database.AdminConnectionString, catalog));
    }

    [Fact]
    public async Task A_superuser_context_is_refused_for_tenant_queries_but_not_for_migrations()
    {
        await using var admin = AsAdmin();
        using var scope = TenantScope.Begin(TenantId.Parse("aaaaaaaa-1111-4111-8111-111111111111"));

        var error = await Assert.ThrowsAsync<TenancyConfigurationException>(() => admin.Database.ExecuteSqlRawAsync("SELECT 1"));

        Assert.Contains("superuser", error.Message);
    }
}
