using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Design.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Design;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.Extensions.DependencyInjection;
using PgTenancy.EntityFrameworkCore.Migrations.Operations;
using Xunit;

// DesignTimeServicesBuilder is what dotnet ef itself uses to build design-time services; used here to run
// `migrations add` in process.
#pragma warning disable EF1001

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>
/// What <c>dotnet ef migrations add</c> does, in process: the model differ adds the RLS operations for tenant-scoped
/// entities, the scaffolder writes them as C#, and the snapshot keeps the annotation for the next diff.
/// </summary>
public sealed class MigrationScaffoldingTests
{
    private const string Connection = "Host=127.0.0.1;Database=unused;Username=unused";

    private sealed class MarkedContext(DbContextOptions<MarkedContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) =>
            modelBuilder.Entity<Invoice>(invoice =>
            {
                invoice.ToTable("invoices", "billing");
                invoice.IsTenantScoped(i => i.TenantId);
                invoice.Property(i => i.TenantId).HasColumnName("tenant_id");
            });
    }

    private sealed class UnmarkedContext(DbContextOptions<UnmarkedContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder) =>
            modelBuilder.Entity<Invoice>(invoice =>
            {
                invoice.ToTable("invoices", "billing");
                invoice.Property(i => i.TenantId).HasColumnName("tenant_id");
            });
    }

    private static MarkedContext Marked() =>
        new(new DbContextOptionsBuilder<MarkedContext>().UseNpgsql(Connection).UseTenancy(o => o.PolicyRoles("billing_app")).Options);

    private static UnmarkedContext Unmarked() =>
        new(new DbContextOptionsBuilder<UnmarkedContext>().UseNpgsql(Connection).UseTenancy(o => o.PolicyRoles("billing_app")).Options);

    private static IReadOnlyList<MigrationOperation> Diff(DbContext context, DbContext? from)
    {
        var source = from?.GetService<IDesignTimeModel>().Model.GetRelationalModel();
        return context.GetService<IMigrationsModelDiffer>().GetDifferences(source, context.GetService<IDesignTimeModel>().Model.GetRelationalModel());
    }

    [Fact]
    public void A_new_tenant_scoped_table_is_created_then_isolated()
    {
        using var context = Marked();

        var operations = Diff(context, from: null);

        var enable = Assert.IsType<EnableTenantIsolationOperation>(operations[^1]);
        Assert.Contains(operations, o => o is CreateTableOperation { Name: "invoices" });
        Assert.Equal(("billing", "invoices", "tenant_id", TenantIdKind.Uuid), (enable.Schema, enable.Table, enable.TenantColumn, enable.TenantKind));
        Assert.Equal(["billing_app"], enable.AppRoles);
    }

    [Fact]
    public void Unmarking_an_entity_disables_isolation_and_marking_it_enables_it()
    {
        using var marked = Marked();
        using var unmarked = Unmarked();

        var unmark = Diff(unmarked, from: marked);
        var mark = Diff(marked, from: unmarked);

        Assert.IsType<DisableTenantIsolationOperation>(Assert.Single(unmark));
        Assert.IsType<EnableTenantIsolationOperation>(Assert.Single(mark));
        Assert.True(marked.GetService<IMigrationsModelDiffer>().HasDifferences(
            unmarked.GetService<IDesignTimeModel>().Model.GetRelationalModel(), marked.GetService<IDesignTimeModel>().Model.GetRelationalModel()));
    }

    [Fact]
    public void Dropping_a_tenant_table_disables_isolation_before_the_drop()
    {
        using var marked = Marked();
        using var empty = new EmptyContext(new DbContextOptionsBuilder<EmptyContext>().UseNpgsql(Connection).UseTenancy().Options);

        var operations = Diff(empty, from: marked);

        Assert.IsType<DisableTenantIsolationOperation>(operations[0]);
        Assert.Contains(operations, o => o is DropTableOperation { Name: "invoices" });
    }

    [Fact]
    public void The_scaffolded_migration_calls_EnableTenantIsolation_and_the_snapshot_keeps_the_mark()
    {
        using var context = Marked();
        var assembly = typeof(MigrationScaffoldingTests).Assembly;
        var services = new DesignTimeServicesBuilder(assembly, assembly, new QuietReporter(), []).Build(context);
        var scaffolder = services.GetRequiredService<IMigrationsScaffolder>();

        var migration = scaffolder.ScaffoldMigration("Billing", "Billing.Migrations");

        Assert.Contains(".EnableTenantIsolation(", migration.MigrationCode);
        Assert.Contains("                table: \"invoices\",\n                tenantColumn: \"tenant_id\",", migration.MigrationCode.ReplaceLineEndings("\n"));
        Assert.Contains("table: \"invoices\"", migration.MigrationCode);
        Assert.Contains("tenantColumn: \"tenant_id\"", migration.MigrationCode);
        Assert.Contains("appRoles: new[] { \"billing_app\" }", migration.MigrationCode);
        Assert.Contains(".DisableTenantIsolation(", migration.MigrationCode); // in Down
        Assert.Contains("HasAnnotation(\"PgTenancy:TenantProperty\", \"TenantId\")", migration.SnapshotCode);
    }

    [Fact]
    public void Naming_the_policy_roles_after_a_bare_start_makes_a_migration_that_recreates_each_policy_for_them()
    {
        // The newcomer's path: policies made TO PUBLIC (no PolicyRoles), the roles named later.
        using var bare = new MarkedContext(new DbContextOptionsBuilder<MarkedContext>().UseNpgsql(Connection).UseTenancy().Options);
        using var named = Marked();

        var operations = Diff(named, from: bare);

        var disable = Assert.IsType<DisableTenantIsolationOperation>(operations[0]);
        var enable = Assert.IsType<EnableTenantIsolationOperation>(operations[^1]);
        Assert.Equal(2, operations.Count);
        Assert.Empty(disable.AppRoles);
        Assert.Equal(["billing_app"], enable.AppRoles);
        Assert.Equal(("billing", "invoices", "tenant_id"), (enable.Schema, enable.Table, enable.TenantColumn));
        Assert.Empty(Diff(bare, from: bare));
        Assert.Empty(Diff(named, from: named));
    }

    [Fact]
    public void Roles_named_at_design_time_only_are_no_pending_change_for_the_runtime_model()
    {
        using var designTime = Marked();
        using var runtime = new MarkedContext(new DbContextOptionsBuilder<MarkedContext>().UseNpgsql(Connection).UseTenancy().Options);
        var differ = runtime.GetService<IMigrationsModelDiffer>();

        Assert.False(differ.HasDifferences(
            designTime.GetService<IDesignTimeModel>().Model.GetRelationalModel(), runtime.GetService<IDesignTimeModel>().Model.GetRelationalModel()));
    }

    [Fact]
    public void The_snapshot_records_the_policy_roles()
    {
        using var context = Marked();
        var assembly = typeof(MigrationScaffoldingTests).Assembly;
        var services = new DesignTimeServicesBuilder(assembly, assembly, new QuietReporter(), []).Build(context);

        var migration = services.GetRequiredService<IMigrationsScaffolder>().ScaffoldMigration("Billing", "Billing.Migrations");

        Assert.Contains("HasAnnotation(\"PgTenancy:PolicyRoles\", \"billing_app\")", migration.SnapshotCode);
    }

    private sealed class EmptyContext(DbContextOptions<EmptyContext> options) : DbContext(options);
}
