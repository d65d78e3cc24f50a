using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Internal;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Update;
using Microsoft.EntityFrameworkCore.Update.Internal;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;
using PgTenancy.EntityFrameworkCore.Migrations.Operations;

// EF Core's model differ is extended so that `dotnet ef migrations add` writes the RLS operations for entities marked
// IsTenantScoped; it is an internal EF service, under the pinned provider major version. Listed in
// docs/ef-core.md#ef-core-and-efcorepg-internals-pgtenancy-depends-on.
#pragma warning disable EF1001

namespace PgTenancy.EntityFrameworkCore.Migrations;

/// <summary>
/// Adds <see cref="EnableTenantIsolationOperation"/> for tables that became tenant-scoped (after the tables are
/// created) and <see cref="DisableTenantIsolationOperation"/> for tables that stopped being so or are dropped (before
/// they are dropped), by comparing the <c>PgTenancy:TenantProperty</c> annotations of the two models.
/// </summary>
internal sealed class TenancyMigrationsModelDiffer(
    IRelationalTypeMappingSource typeMappingSource,
    IMigrationsAnnotationProvider migrationsAnnotationProvider,
    IRelationalAnnotationProvider relationalAnnotationProvider,
    IRowIdentityMapFactory rowIdentityMapFactory,
    CommandBatchPreparerDependencies commandBatchPreparerDependencies,
    IDbContextOptions options)
    : MigrationsModelDiffer(typeMappingSource, migrationsAnnotationProvider, relationalAnnotationProvider, rowIdentityMapFactory, commandBatchPreparerDependencies)
{
    private readonly TenancyOptionsExtension? _tenancy = options.FindExtension<TenancyOptionsExtension>();

    // Policy roles are left out on purpose: an application often names them at design time only (PolicyRoles in its
    // design-time factory), and a runtime model without them must not count as having pending changes.
    public override bool HasDifferences(IRelationalModel? source, IRelationalModel? target) =>
        base.HasDifferences(source, target) || !TenantTables(source).SequenceEqual(TenantTables(target))
        || !CitusPlacement.Of(source).SequenceEqual(CitusPlacement.Of(target));

    public override IReadOnlyList<MigrationOperation> GetDifferences(IRelationalModel? source, IRelationalModel? target)
    {
        var operations = base.GetDifferences(source, target);
        var before = TenantTables(source);
        var after = TenantTables(target);
        var (rolesBefore, rolesAfter) = (PolicyRolesOf(source), PolicyRolesOf(target));
        // A snapshot from before the roles were recorded has none: its policies were made with today's options.
        rolesBefore ??= rolesAfter;
        rolesAfter ??= rolesBefore;
        var rolesChanged = rolesBefore is not null && rolesAfter is not null && !rolesBefore.SequenceEqual(rolesAfter);
        var disable = before.Where(table => !after.Contains(table) || rolesChanged)
            .Select(table => Fill(new DisableTenantIsolationOperation { Table = table.Table, TenantColumn = table.Column }, table, rolesBefore)).ToList();
        var enable = after.Where(table => !before.Contains(table) || rolesChanged)
            .Select(table => Fill(new EnableTenantIsolationOperation { Table = table.Table, TenantColumn = table.Column }, table, rolesAfter)).ToList();
        var (undistribute, place) = CitusPlacement.Changes(source, target);
        if (disable.Count == 0 && enable.Count == 0 && undistribute.Count == 0 && place.Count == 0)
        {
            return operations;
        }

        // Policies go before the tables change and come back after they are placed: Citus propagates a table's
        // policies when it distributes it, and refuses the InitPlan form there.
        return [.. disable, .. operations, .. undistribute, .. place, .. enable];
    }

    private T Fill<T>(T operation, TenantTable table, IReadOnlyList<string>? roles)
        where T : TenantIsolationOperation
    {
        operation.Schema = table.Schema;
        operation.TenantKind = table.Kind;
        operation.Verified = table.Verified;
        operation.Citus = table.Citus;
        operation.BindingSchema = _tenancy?.Options.Schema ?? TenancyDefaults.Schema;
        operation.AppRoles = [.. roles ?? _tenancy?.PolicyRoles ?? []];
        operation.SettingName = _tenancy?.Options.SettingName ?? TenancyOptions.Default.SettingName;
        return operation;
    }

    /// <summary>The roles a model's policies are for (empty: PUBLIC), or <see langword="null"/> when the model does not record them.</summary>
    private static string[]? PolicyRolesOf(IRelationalModel? model) =>
        model?.Model.FindAnnotation(Metadata.TenancyAnnotationNames.PolicyRoles)?.Value is string roles
            ? roles.Split(',', StringSplitOptions.RemoveEmptyEntries)
            : null;

    /// <summary>The tenant-scoped tables of a model, with their tenant column and kind, in a stable order.</summary>
    private static SortedSet<TenantTable> TenantTables(IRelationalModel? model)
    {
        var tables = new SortedSet<TenantTable>();
        // The policy form is the model's: a switch to (or from) verified tenants replaces every policy, in the
        // migration's transaction, so no table is ever without one.
        var verified = model?.Model.FindAnnotation(Metadata.TenancyAnnotationNames.VerifiedTenant)?.Value is true;
        var citus = IsCitus(model);
        foreach (var table in model?.Tables ?? [])
        {
            foreach (var mapping in table.EntityTypeMappings)
            {
                if (mapping.TypeBase is IEntityType entityType && entityType.FindTenantProperty() is IProperty property
                    && property.GetColumnName(StoreObjectIdentifier.Table(table.Name, table.Schema)) is { } column)
                {
                    tables.Add(new TenantTable(table.Schema, table.Name, column, KindOf(property.ClrType), verified, citus));
                    break;
                }
            }
        }

        return tables;
    }

    // The model was validated against the configured kind (TenantKindConvention); a model snapshot is not, so an
    // unknown type there reads as text, the kind whose policy fits any column the database accepts for it.
    private static TenantIdKind KindOf(Type clrType) => TenantKinds.ForClrType(clrType) ?? TenantIdKind.Text;

    internal static bool IsCitus(IRelationalModel? model) => model?.Model.FindAnnotation(Metadata.TenancyAnnotationNames.Citus)?.Value is true;

    private sealed record TenantTable(string? Schema, string Table, string Column, TenantIdKind Kind, bool Verified, bool Citus) : IComparable<TenantTable>
    {
        public int CompareTo(TenantTable? other) =>
            other is null ? 1 : string.CompareOrdinal(Key, other.Key);

        private string Key => $"{Schema}.{Table}.{Column}.{Kind}.{Verified}.{Citus}";
    }
}
