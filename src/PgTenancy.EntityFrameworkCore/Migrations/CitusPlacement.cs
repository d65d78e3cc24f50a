using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations.Operations;
using PgTenancy.EntityFrameworkCore.Migrations.Operations;
using PgTenancy.Sql;

namespace PgTenancy.EntityFrameworkCore.Migrations;

/// <summary>
/// Where a Citus model's tables live — tenant tables distributed by their tenant column and colocated, reference tables
/// for shared lookup data (<c>IsCitusReferenceTable()</c>) — and the operations that move a database from one model's
/// placement to the other's: undistribute what changes or leaves Citus mode, then reference tables, then distributed
/// tables each after the distributed tables it refers to (Citus needs a referenced table placed first).
/// </summary>
internal static class CitusPlacement
{
    /// <summary>A table's place on the cluster.</summary>
    public sealed record Placement(string? Schema, string Table, string? TenantColumn)
    {
        public bool Distributed => TenantColumn is not null;

        public string Key => $"{Schema}.{Table}";
    }

    /// <summary>The placement of every table of a Citus model, in a stable order; empty for a model not in Citus mode.</summary>
    public static IReadOnlyList<Placement> Of(IRelationalModel? model)
    {
        if (model is null || !TenancyMigrationsModelDiffer.IsCitus(model))
        {
            return [];
        }

        var placements = new List<Placement>();
        foreach (var table in model.Tables)
        {
            foreach (var mapping in table.EntityTypeMappings)
            {
                if (mapping.TypeBase is not IEntityType entityType)
                {
                    continue;
                }

                if (entityType.FindTenantProperty() is IProperty property
                    && property.GetColumnName(StoreObjectIdentifier.Table(table.Name, table.Schema)) is { } column)
                {
                    placements.Add(new Placement(table.Schema, table.Name, column));
                    break;
                }

                if (entityType.FindAnnotation(Metadata.TenancyAnnotationNames.CitusReferenceTable)?.Value is true)
                {
                    placements.Add(new Placement(table.Schema, table.Name, null));
                    break;
                }
            }
        }

        return [.. placements.OrderBy(p => p.Key, StringComparer.Ordinal)];
    }

    /// <summary>The operations from <paramref name="source"/>'s placement to <paramref name="target"/>'s.</summary>
    public static (List<MigrationOperation> Undistribute, List<MigrationOperation> Place) Changes(IRelationalModel? source, IRelationalModel? target)
    {
        var before = Of(source).ToDictionary(p => p.Key);
        var after = Of(target);
        var stillThere = target?.Tables.Select(t => $"{t.Schema}.{t.Name}").ToHashSet(StringComparer.Ordinal) ?? [];
        var undistribute = before.Values
            .Where(p => stillThere.Contains(p.Key) && !after.Contains(p))
            .Select(p => (MigrationOperation)new UndistributeTableOperation { Table = p.Table, Schema = p.Schema })
            .ToList();

        var place = new List<MigrationOperation>();
        var toPlace = after.Where(p => !before.TryGetValue(p.Key, out var was) || was != p).ToList();
        foreach (var reference in toPlace.Where(p => !p.Distributed))
        {
            place.Add(new CreateReferenceTableOperation { Table = reference.Table, Schema = reference.Schema });
        }

        var distributed = InDependencyOrder([.. after.Where(p => p.Distributed)], target!);
        // Colocated with a table placed already, or else the first one placed now.
        var anchor = distributed.FirstOrDefault(p => before.TryGetValue(p.Key, out var was) && was == p) ?? distributed.FirstOrDefault();
        foreach (var table in distributed.Where(toPlace.Contains))
        {
            place.Add(new DistributeTenantTableOperation
            {
                Table = table.Table,
                Schema = table.Schema,
                TenantColumn = table.TenantColumn!,
                ColocateWith = table == anchor ? null : SqlText.Qualified(anchor!.Schema, anchor.Table),
            });
        }

        return (undistribute, place);
    }

    /// <summary><paramref name="tables"/> with each after the ones it refers to (by name where neither refers to the other).</summary>
    private static List<Placement> InDependencyOrder(List<Placement> tables, IRelationalModel model)
    {
        var byKey = tables.ToDictionary(t => t.Key);
        var parents = tables.ToDictionary(
            t => t.Key,
            t => model.FindTable(t.Table, t.Schema)?.ForeignKeyConstraints
                .Select(fk => $"{fk.PrincipalTable.Schema}.{fk.PrincipalTable.Name}")
                .Where(parent => parent != t.Key && byKey.ContainsKey(parent))
                .ToHashSet(StringComparer.Ordinal) ?? []);
        var ordered = new List<Placement>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        while (ordered.Count < tables.Count)
        {
            // A cycle of foreign keys cannot be placed in any order: Citus is told as they come, and says which.
            var next = tables.FirstOrDefault(t => !placed.Contains(t.Key) && parents[t.Key].IsSubsetOf(placed))
                ?? tables.First(t => !placed.Contains(t.Key));
            ordered.Add(next);
            placed.Add(next.Key);
        }

        return ordered;
    }
}
