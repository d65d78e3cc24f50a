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
/// What <c>dotnet ef migrations add</c> writes for a model in Citus mode: the tables, then the reference tables, then
/// the tenant tables distributed by their tenant column (each after those it refers to, colocated with the first), then
/// subquery-free policies; switching a model to Citus mode and back moves existing tables and their policies.
/// (Run on a cluster in PgTenancy.Citus.Tests.)
/// </summary>
public sealed class CitusMigrationTests
{
    private const string Connection = "Host=127.0.0.1;Database=unused;Username=unused";

    public sealed class Product
    {
        public string Code { get; set; } = "";
    }

    public sealed class Sale
    {
        public Guid TenantId { get; set; }

        public long Id { get; set; }

        public List<SaleLine> Lines { get; set; } = [];
    }

    public sealed class SaleLine
    {
        public Guid TenantId { get; set; }

        public long Id { get; set; }

        public long SaleId { get; set; }

        public string ProductCode { get; set; } = "";
    }

    private sealed class SalesContext(DbContextOptions<SalesContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<Product>(product =>
            {
                product.ToTable("products");
                product.HasKey(p => p.Code);
                product.IsCitusReferenceTable();
            });
            // "a_lines" sorts before "sales": the order below comes from the foreign keys, not from the names.
            modelBuilder.Entity<SaleLine>(line =>
            {
                line.ToTable("a_lines");
                line.IsTenantScoped(l => l.TenantId);
                line.HasKey(l => new { l.TenantId, l.Id });
                line.HasOne<Product>().WithMany().HasForeignKey(l => l.ProductCode);
            });
            modelBuilder.Entity<Sale>(sale =>
            {
                sale.ToTable("sales");
                sale.IsTenantScoped(s => s.TenantId);
                sale.HasKey(s => new { s.TenantId, s.Id });
                sale.HasMany(s => s.Lines).WithOne().HasForeignKey(l => new { l.TenantId, l.SaleId });
            });
        }
    }

    private static SalesContext Sales(bool citus) =>
        new(new DbContextOptionsBuilder<SalesContext>().UseNpgsql(Connection).UseTenancy(o => o.Citus(citus).PolicyRoles("sales_app")).Options);

    private static IReadOnlyList<MigrationOperation> Diff(DbContext context, DbContext? from) =>
        context.GetService<IMigrationsModelDiffer>().GetDifferences(
            from?.GetService<IDesignTimeModel>().Model.GetRelationalModel(), context.GetService<IDesignTimeModel>().Model.GetRelationalModel());

    [Fact]
    public void A_new_model_creates_the_tables_then_places_them_then_isolates_them()
    {
        using var context = Sales(citus: true);

        var operations = Diff(context, from: null);

        var placed = operations.SkipWhile(o => o is not CitusTableOperation).ToList();
        Assert.All(operations.TakeWhile(o => o is not CitusTableOperation), o => Assert.IsNotType<EnableTenantIsolationOperation>(o));
        Assert.Equal(
            ["reference products", "distribute sales by TenantId with -", "distribute a_lines by TenantId with \"sales\"", "isolate a_lines", "isolate sales"],
            placed.Select(Describe));
        Assert.All(placed.OfType<EnableTenantIsolationOperation>(), enable => Assert.True(enable.Citus));
    }

    [Fact]
    public void Switching_to_Citus_mode_moves_the_policies_and_places_the_tables_and_back()
    {
        using var plain = Sales(citus: false);
        using var citus = Sales(citus: true);

        var forth = Diff(citus, from: plain).Select(Describe).ToList();
        var back = Diff(plain, from: citus).Select(Describe).ToList();

        Assert.Equal(
            ["unisolate a_lines", "unisolate sales", "reference products", "distribute sales by TenantId with -", "distribute a_lines by TenantId with \"sales\"", "isolate a_lines", "isolate sales"],
            forth);
        Assert.Equal(["unisolate a_lines", "unisolate sales", "undistribute a_lines", "undistribute products", "undistribute sales", "isolate a_lines", "isolate sales"], back);
        Assert.Empty(Diff(citus, from: citus));
    }

    [Fact]
    public void The_scaffolded_migration_calls_the_Citus_operations_and_writes_subquery_free_policies()
    {
        using var context = Sales(citus: true);
        var assembly = typeof(CitusMigrationTests).Assembly;
        var services = new DesignTimeServicesBuilder(assembly, assembly, new QuietReporter(), []).Build(context);

        var migration = services.GetRequiredService<IMigrationsScaffolder>().ScaffoldMigration("Sales", "Sales.Migrations");

        Assert.Contains(".CreateReferenceTable(\n                table: \"products\")", migration.MigrationCode.ReplaceLineEndings("\n"));
        Assert.Contains(".DistributeTenantTable(\n                table: \"a_lines\",\n                tenantColumn: \"TenantId\",\n                colocateWith: \"\\\"sales\\\"\")", migration.MigrationCode.ReplaceLineEndings("\n"));
        Assert.Contains("citus: true", migration.MigrationCode);
        Assert.Contains("HasAnnotation(\"PgTenancy:Citus\", true)", migration.SnapshotCode);
        Assert.Contains("HasAnnotation(\"PgTenancy:CitusReferenceTable\", true)", migration.SnapshotCode);
    }

    private static string Describe(MigrationOperation operation) => operation switch
    {
        CreateReferenceTableOperation reference => $"reference {reference.Table}",
        DistributeTenantTableOperation distribute => $"distribute {distribute.Table} by {distribute.TenantColumn} with {distribute.ColocateWith ?? "-"}",
        UndistributeTableOperation undistribute => $"undistribute {undistribute.Table}",
        EnableTenantIsolationOperation enable => $"isolate {enable.Table}",
        DisableTenantIsolationOperation disable => $"unisolate {disable.Table}",
        _ => operation.GetType().Name,
    };
}
