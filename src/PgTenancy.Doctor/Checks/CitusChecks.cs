namespace PgTenancy.Doctor.Checks;

/// <summary>
/// The checks for a Citus coordinator (docs/citus.md): tenant tables distributed by their tenant column and colocated,
/// row-level security and the policy on every shard, and the setting the binding needs usable by the application.
/// Reported as not checked where the citus extension is not installed. Citus's catalogs live in pg_catalog.
/// </summary>
internal static class CitusChecks
{
    // A hash-distributed table's distribution column, read from the catalog in the doctor's snapshot: partkey is the
    // column as a planner Var ("{VAR :varno 1 :varattno 2 …}"). Citus's column_to_column_name looks the table up afresh,
    // and fails for one a concurrent DROP took since the snapshot.
    private const string DistributionColumn = """
        (SELECT a.attname FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = p.logicalrelid AND a.attnum = (pg_catalog.regexp_match(p.partkey, ':varattno (\d+)'))[1]::int2)
        """;

    public static IReadOnlyList<SqlCheck> All { get; } =
    [
        new(new("CIT-01", "A tenant table on a Citus coordinator is not distributed by its tenant column", Severity.Medium,
                "A local table keeps every tenant on the coordinator; one distributed by another column spreads each tenant over every shard, so no tenant's query is routed to one node and joins with the other tenant tables are not colocated. Isolation still holds (the policies apply on every shard); the point of Citus is lost.",
                "Distribute it by the tenant column: SELECT create_distributed_table('<table>', '<tenant column>', colocate_with => '<another tenant table>') (migrationBuilder.DistributeTenantTable, written by dotnet ef in Citus mode)."),
            $"""
            SELECT t.oid::regclass::text,
                   CASE WHEN t.partmethod IS NULL THEN 'is a local table on the coordinator, not distributed'
                        WHEN t.partmethod = 'n' THEN 'is a reference table: every node has every tenant''s rows'
                        ELSE 'is distributed by ' || t.distribution_column || ', not by its tenant column ' || t.attname END
            FROM (SELECT t.oid, t.attname, p.partmethod,
                         CASE WHEN p.partmethod = 'h' THEN {DistributionColumn} END AS distribution_column
                  FROM (SELECT c.oid, ta.attname FROM {CheckCatalog.TenantTables}) t
                  LEFT JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = t.oid) t
            WHERE t.partmethod IS DISTINCT FROM 'h' OR t.distribution_column <> t.attname
            """,
            Requirement.Citus),
        new(new("CIT-02", "The tenant tables are not colocated", Severity.Medium,
                "Tables in different colocation groups keep one tenant's rows of each on different nodes: joins between them are repartitioned across the cluster instead of running on the tenant's node.",
                "Distribute every tenant table with colocate_with => the first one (SELECT update_distributed_table_colocation('<table>', colocate_with => '<first tenant table>'))."),
            $"""
            WITH distributed AS (
              SELECT t.oid, p.colocationid FROM (SELECT c.oid, ta.attname FROM {CheckCatalog.TenantTables}) t
              JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = t.oid AND p.partmethod = 'h'
                AND {DistributionColumn} = t.attname),
            largest AS (SELECT colocationid FROM distributed GROUP BY colocationid ORDER BY count(*) DESC, colocationid LIMIT 1)
            SELECT d.oid::regclass::text, 'is in colocation group ' || d.colocationid || ', the other tenant tables in ' || l.colocationid
            FROM distributed d, largest l WHERE d.colocationid <> l.colocationid
            """,
            Requirement.Citus),
        new(new("CIT-03", "A shard of a tenant table lacks forced row-level security or the tenant policy", Severity.Critical,
                "Each shard is a table on a worker: where it lacks the policy, a session on that worker — the application role's password used there, or a query Citus sends unchanged — reads every tenant of the shard.",
                "Enable, force and create the policy on the distributed table on the coordinator, which propagates it to every shard (Citus 11 or later); then run this check again."),
            $"""
            SELECT t.oid::regclass::text || ' shard ' || s.shard, 'has ' || s.state
            FROM (SELECT t.oid FROM (SELECT c.oid, ta.attname FROM {CheckCatalog.TenantTables}) t
                  JOIN pg_catalog.pg_dist_partition p ON p.logicalrelid = t.oid AND p.partmethod = 'h') t,
                 LATERAL (SELECT r.shardid AS shard,
                                 CASE r.result WHEN 't' THEN NULL WHEN 'f' THEN 'no forced row-level security or no policy' ELSE 'an unreadable state: ' || r.result END AS state
                          FROM pg_catalog.run_command_on_placements(t.oid::regclass,
                               $q$SELECT c.relrowsecurity AND c.relforcerowsecurity AND EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid)
                                  FROM pg_catalog.pg_class c WHERE c.oid = '%s'::regclass$q$) r) s
            WHERE s.state IS NOT NULL
            """,
            Requirement.Citus),
        new(new("CIT-04", "The application role cannot make the tenant reach the workers", Severity.High,
                "PgTenancy's Citus mode sets citus.propagate_set_commands = 'local' for each transaction, so that the tenant setting is forwarded to the workers; if the application role may not set it, the workers see no tenant (every query returns no rows).",
                "Leave citus.propagate_set_commands settable by users (its default); do not pin it with ALTER SYSTEM to a context the application role cannot change."),
            """
            SELECT 'setting citus.propagate_set_commands', 'can be changed only in context ' || s.context || ', not by the application role'
            FROM pg_catalog.pg_settings s WHERE s.name = 'citus.propagate_set_commands' AND s.context <> 'user'
            """,
            Requirement.Citus),
    ];
}
