using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>Reads the tenant tables' columns, keys and foreign keys from the catalog, with the oracle connection.</summary>
internal static class ShapeReader
{
    private const string ColumnsSql = """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
               a.attidentity <> '' OR a.attgenerated <> '' OR a.atthasdef, t.typname, t.typcategory
        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """;

    private const string IndexesSql = """
        SELECT i.indexrelid::regclass::text, i.indisprimary,
               array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(num, pos)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num ORDER BY k.pos)::text[],
               0 = ANY (i.indkey)
        FROM pg_index i WHERE i.indrelid = $1::oid AND i.indisunique
        ORDER BY i.indisprimary DESC, i.indexrelid::regclass::text
        """;

    private const string ForeignKeysSql = """
        SELECT c.conname, c.confrelid::int8,
               array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(num, pos)
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.pos)::text[],
               array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(num, pos)
                     JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.pos)::text[]
        FROM pg_constraint c WHERE c.conrelid = $1::oid AND c.contype = 'f' ORDER BY c.conname
        """;

    // Every partition below a partitioned table, at any depth (pg_partition_tree includes the table itself).
    private const string PartitionsSql = """
        SELECT n.nspname::text, c.relname::text
        FROM pg_partition_tree($1::oid) t JOIN pg_class c ON c.oid = t.relid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE t.relid <> $1::oid
        ORDER BY t.level, c.relname
        """;

    // Triggers and rules on the tables: objects that write rows on their own, whose effects the runner attributes.
    private const string SideEffectsSql = """
        SELECT format('trigger %I on %s', tg.tgname, tg.tgrelid::regclass) FROM pg_trigger tg WHERE tg.tgrelid = ANY ($1::oid[]) AND NOT tg.tgisinternal
        UNION ALL
        SELECT format('rule %I on %s', r.rulename, r.ev_class::regclass) FROM pg_rewrite r WHERE r.ev_class = ANY ($1::oid[]) AND r.rulename <> '_RETURN'
        ORDER BY 1
        """;

    /// <summary>The triggers and rules on <paramref name="tables"/>, named for findings ("trigger audit on public.orders").</summary>
    public static async Task<string[]> SideEffectObjectsAsync(NpgsqlDataSource oracle, IReadOnlyList<TenantTable> tables, CancellationToken cancellationToken)
    {
        var oids = new long[tables.Count];
        for (var i = 0; i < tables.Count; i++)
        {
            oids[i] = await OidAsync(oracle, tables[i], cancellationToken).ConfigureAwait(false);
        }

        var rows = await OracleSql.QueryAsync(oracle, SideEffectsSql, [oids], cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => (string)r[0]!)];
    }

    public static async Task<TableShape[]> ReadAsync(NpgsqlDataSource oracle, IReadOnlyList<TenantTable> tables, CancellationToken cancellationToken)
    {
        var oids = new long[tables.Count];
        for (var i = 0; i < tables.Count; i++)
        {
            oids[i] = await OidAsync(oracle, tables[i], cancellationToken).ConfigureAwait(false);
        }

        var shapes = new TableShape[tables.Count];
        for (var i = 0; i < tables.Count; i++)
        {
            shapes[i] = await ReadAsync(oracle, tables[i], oids[i], oids, cancellationToken).ConfigureAwait(false);
        }

        return shapes;
    }

    private static async Task<long> OidAsync(NpgsqlDataSource oracle, TenantTable table, CancellationToken cancellationToken)
    {
        var rows = await OracleSql.QueryAsync(oracle,
            "SELECT c.oid::int8 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')",
            [table.Schema, table.Name], cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            throw new InvalidOperationException(
                $"Table \"{table}\" was not found. Migrate the database before verifying it, or fix the name in the tenant table list.");
        }

        return (long)rows[0][0]!;
    }

    private static async Task<TableShape> ReadAsync(NpgsqlDataSource oracle, TenantTable table, long oid, long[] all, CancellationToken cancellationToken)
    {
        var columns = (await OracleSql.QueryAsync(oracle, ColumnsSql, [oid], cancellationToken).ConfigureAwait(false))
            .Select(r => new ColumnShape((string)r[0]!, (string)r[1]!, (bool)r[2]!, (bool)r[3]!, KindOf((string)r[4]!, (char)r[5]!)))
            .ToArray();
        if (!columns.Any(c => c.Name == table.TenantColumn))
        {
            throw new InvalidOperationException(
                $"Table \"{table}\" has no column \"{table.TenantColumn}\". Name its tenant column in TenantTable(\"{table.Name}\", TenantColumn: …).");
        }

        var uniqueKeys = new List<UniqueKeyShape>();
        var expressionKeys = new List<UniqueKeyShape>();
        foreach (var row in await OracleSql.QueryAsync(oracle, IndexesSql, [oid], cancellationToken).ConfigureAwait(false))
        {
            var keyColumns = (string[])row[2]!;
            if (!(bool)row[3]!)
            {
                uniqueKeys.Add(new UniqueKeyShape((string)row[0]!, keyColumns, (bool)row[1]!, keyColumns.Contains(table.TenantColumn)));
            }
            else
            {
                // On an expression (lower(email)): the kit cannot write colliding values on purpose, but the catalog rule holds.
                expressionKeys.Add(new UniqueKeyShape((string)row[0]!, keyColumns, false, keyColumns.Contains(table.TenantColumn)));
            }
        }

        var primaryKey = uniqueKeys.FirstOrDefault(u => u.IsPrimaryKey)
            ?? throw new InvalidOperationException(
                $"Table \"{table}\" has no primary key. The kit follows rows by key; add one (for example PRIMARY KEY ({table.TenantColumn}, id)).");
        var keyColumnsWithoutTenant = primaryKey.Columns.Where(c => c != table.TenantColumn).ToArray();
        if (keyColumnsWithoutTenant.Length == 0)
        {
            throw new InvalidOperationException(
                $"The primary key of \"{table}\" is the tenant column alone: each tenant would have one row. Give the table a key of its own.");
        }

        var foreignKeys = new List<ForeignKeyShape>();
        var sharedValues = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var row in await OracleSql.QueryAsync(oracle, ForeignKeysSql, [oid], cancellationToken).ConfigureAwait(false))
        {
            var parent = Array.IndexOf(all, (long)row[1]!);
            var childColumns = (string[])row[2]!;
            if (parent >= 0)
            {
                foreignKeys.Add(new ForeignKeyShape((string)row[0]!, childColumns, parent, (string[])row[3]!, childColumns.Contains(table.TenantColumn)));
            }
            else if (childColumns is [var column] && column != table.TenantColumn)
            {
                // A reference to shared data outside the verification (a lookup table, a Citus reference table): the
                // rows may only take values it has.
                sharedValues[column] = await SharedKeysAsync(oracle, table, column, (long)row[1]!, ((string[])row[3]!)[0], cancellationToken).ConfigureAwait(false);
            }
        }

        columns = [.. columns.Select(c => sharedValues.TryGetValue(c.Name, out var values) ? c with { Choices = values } : c)];

        var partitions = (await OracleSql.QueryAsync(oracle, PartitionsSql, [oid], cancellationToken).ConfigureAwait(false))
            .Select(r => new TenantTable((string)r[1]!, table.TenantColumn, (string)r[0]!)).ToArray();
        var shape = new TableShape(table, QuotedName(table), columns, keyColumnsWithoutTenant, [.. foreignKeys], [.. uniqueKeys]) { Partitions = partitions, ExpressionKeys = [.. expressionKeys] };
        var unsupported = columns.FirstOrDefault(c => c.Kind == ValueKind.Unsupported && !c.Nullable && !c.ServerSupplied);
        if (unsupported is not null)
        {
            throw new InvalidOperationException(
                $"Column \"{table}.{unsupported.Name}\" ({unsupported.Type}) is required and the kit cannot generate its values. Give it a default, make it nullable, or leave the table out of the verification.");
        }

        return shape;
    }

    /// <summary>Up to 20 keys of a shared table that <paramref name="column"/> refers to; an empty table is an error that says what to seed.</summary>
    private static async Task<IReadOnlyList<string>> SharedKeysAsync(
        NpgsqlDataSource oracle, TenantTable table, string column, long parentOid, string parentColumn, CancellationToken cancellationToken)
    {
        var parent = (string)(await OracleSql.QueryAsync(oracle, "SELECT $1::oid::regclass::text", [parentOid], cancellationToken).ConfigureAwait(false))[0][0]!;
        var keys = (await OracleSql.QueryAsync(oracle, $"SELECT DISTINCT {Quote(parentColumn)}::text FROM {parent} ORDER BY 1 LIMIT 20", [], cancellationToken).ConfigureAwait(false))
            .Select(r => (string)r[0]!).ToList();
        return keys.Count > 0 ? keys : throw new InvalidOperationException(
            $"Column \"{table}.{column}\" refers to {parent}, which has no rows: the kit can write no row that refers to it. Seed {parent} (shared data, outside the verification) first.");
    }

    private static ValueKind KindOf(string typeName, char category) => typeName switch
    {
        "int2" or "int4" or "int8" => ValueKind.Integer,
        "numeric" or "float4" or "float8" => ValueKind.Numeric,
        "uuid" => ValueKind.Uuid,
        "bool" => ValueKind.Boolean,
        "timestamptz" or "timestamp" => ValueKind.Timestamp,
        "date" => ValueKind.Date,
        "json" or "jsonb" => ValueKind.Json,
        _ when category == 'S' => ValueKind.Text,
        _ => ValueKind.Unsupported,
    };

    public static string QuotedName(TenantTable table) => $"{Quote(table.Schema)}.{Quote(table.Name)}";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
