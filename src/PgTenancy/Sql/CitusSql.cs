namespace PgTenancy.Sql;

/// <summary>
/// The SQL that places tables on a Citus cluster: tenant tables distributed by their tenant column and colocated, so a
/// tenant's rows of every table live on one shard and join there; shared lookup data as reference tables, copied to
/// every node. The migrations run it in their transaction.
/// </summary>
internal static class CitusSql
{
    // Citus turns a local table that refers to a new reference table into a "Citus-local" one, which can then not refer
    // to a distributed table; with this off, reference tables come first and each distributed table after those it refers to.
    private const string NoLocalReferenceConversion = "SET LOCAL citus.enable_local_reference_table_foreign_keys = off;";

    /// <summary>Distributes a tenant table by its tenant column, colocated with <paramref name="colocateWith"/> (or Citus's default group for the column's type).</summary>
    public static string Distribute(string? schema, string table, string tenantColumn, string? colocateWith)
    {
        var colocation = colocateWith is null ? "" : $", colocate_with => {SqlText.Literal(colocateWith)}";
        return $"{NoLocalReferenceConversion}\nSELECT create_distributed_table({SqlText.Literal(SqlText.Qualified(schema, table))}, {SqlText.Literal(tenantColumn)}{colocation});";
    }

    /// <summary>Makes a table a reference table: one copy on every node, for shared lookup data that tenant tables join or refer to.</summary>
    public static string Reference(string? schema, string table) =>
        $"{NoLocalReferenceConversion}\nSELECT create_reference_table({SqlText.Literal(SqlText.Qualified(schema, table))});";

    /// <summary>
    /// The inverse of <see cref="Distribute"/> and <see cref="Reference"/>: the table becomes a plain table on the
    /// coordinator again — with the tables foreign keys bind it to, which Citus takes back together — and nothing when
    /// an earlier statement of the migration took it back already.
    /// </summary>
    public static string Undistribute(string? schema, string table) =>
        $"SELECT undistribute_table(logicalrelid, cascade_via_foreign_keys => true) FROM pg_dist_partition WHERE logicalrelid = pg_catalog.to_regclass({SqlText.Literal(SqlText.Qualified(schema, table))});";
}
