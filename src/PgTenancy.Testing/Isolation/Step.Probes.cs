using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>Foreign-key and unique-key probes: constraints are checked without row-level security.</summary>
internal sealed partial class Step
{
    private async Task ForeignKeyProbeAsync(CancellationToken cancellationToken)
    {
        var children = Enumerable.Range(0, Tables.Length).Where(t => Tables[t].ForeignKeys.Length > 0).ToArray();
        if (children.Length == 0)
        {
            Describe("probes a foreign key (no foreign key between tenant tables: nothing sent)");
            return;
        }

        var table = children[operation.Table % children.Length];
        var shape = Tables[table];
        var foreignKey = shape.ForeignKeys[operation.Count % shape.ForeignKeys.Length];
        var other = Other;
        var parent = other.Pick(foreignKey.ParentTable, operation.Pick);
        if (parent is null)
        {
            Describe($"points a row of {shape} at a parent row of {context.NameOf(other.Tenant.Value)} (it has none: nothing sent)");
            return;
        }

        var values = RowFactory.NewRow(Tables, table, model, operation.Pick, parentOverride: (foreignKey, parent));
        if (values is null)
        {
            Describe($"points a row of {shape} at a parent row of {context.NameOf(other.Tenant.Value)} (another parent is missing: nothing sent)");
            return;
        }

        var parentShape = Tables[foreignKey.ParentTable];
        var ownParent = model.Find(foreignKey.ParentTable, TenantModel.KeyOf(parentShape, parent));
        var sameKey = ownParent is not null && foreignKey.ParentColumns.Where(c => c != parentShape.TenantColumn)
            .All(c => ownParent[parentShape.IndexOf(c)] == parent[parentShape.IndexOf(c)]);
        Describe($"inserts a row into {shape} whose foreign key {foreignKey.Name} points at a row of {parentShape} of {context.NameOf(other.Tenant.Value)}");
        var (rows, error) = await TryAsync(() => QueryAsync(SqlBuilder.Insert(shape, values), cancellationToken)).ConfigureAwait(false);
        if (sameKey && error is null)
        {
            // The tenant has its own parent row with the same key: the row rightly points at that one.
            RequireOwnRows(shape, rows!, "insert");
            model.Put(table, rows![0]);
        }
        else if (!sameKey && error?.SqlState != PostgresErrorCodes.ForeignKeyViolation)
        {
            throw Fail("model",
                error is null
                    ? $"{Me} inserted a row into {shape} that references a row of {context.NameOf(other.Tenant.Value)} in {parentShape}: foreign key {foreignKey.Name} does not include {shape.TenantColumn}, and foreign keys are checked without row-level security — rows link across tenants, and the error or success tells a tenant which keys other tenants have. Reference ({shape.TenantColumn}, …) against a key that includes the parent's tenant column."
                    : $"{Me}'s insert into {shape} pointing at another tenant's parent failed with {error.SqlState} {error.MessageText}, not with a foreign-key violation.",
                "refused: foreign key violation (23503)", error is null ? $"written: {RowSet.Format(shape, rows!)}" : $"{error.SqlState}: {error.MessageText}");
        }
        else if (sameKey && error is not null)
        {
            throw OwnWriteRefused(shape, "insert (referencing its own parent row)", error);
        }

        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    private async Task UniqueKeyProbeAsync(CancellationToken cancellationToken)
    {
        var probes = (from t in Enumerable.Range(0, Tables.Length)
                      from unique in Tables[t].UniqueKeys
                      where unique.Columns.Any(c => c != Tables[t].TenantColumn)
                            && unique.Columns.All(c => c == Tables[t].TenantColumn || !Tables[t].Column(c).ServerSupplied)
                            && !Tables[t].ForeignKeys.Any(f => f.Columns.Intersect(unique.Columns).Any(c => c != Tables[t].TenantColumn))
                            && (unique.IncludesTenant || context.KeysWithoutTenant == IsolationSeverity.Error)
                      select (Table: t, Key: unique)).ToArray();
        if (probes.Length == 0)
        {
            Describe("probes a unique key (no client-supplied unique key: nothing sent)");
            return;
        }

        var (table, key) = probes[operation.Table % probes.Length];
        var shape = Tables[table];
        var other = Other;
        var theirs = other.Pick(table, operation.Pick);
        var values = theirs is null ? null : RowFactory.NewRow(Tables, table, model, operation.Pick);
        if (theirs is null || values is null)
        {
            Describe($"reuses a unique-key value of {context.NameOf(other.Tenant.Value)} in {shape} (nothing to copy: nothing sent)");
            return;
        }

        var copied = key.Columns.Where(c => c != shape.TenantColumn).ToArray();
        values = [.. values.Select(v => copied.Contains(v.Column) ? (v.Column, theirs[shape.IndexOf(v.Column)]) : v)];
        var clash = model.Rows(table).Any(r => copied.All(c => r[shape.IndexOf(c)] == theirs[shape.IndexOf(c)]));
        Describe($"inserts a row into {shape} reusing the {key.Name} values ({string.Join(", ", copied.Select(c => theirs[shape.IndexOf(c)]))}) of a row of {context.NameOf(other.Tenant.Value)}");
        var (rows, error) = await TryAsync(() => QueryAsync(SqlBuilder.Insert(shape, values), cancellationToken)).ConfigureAwait(false);
        if (!clash && error?.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw Fail("model",
                $"{Me} has no row with these values, yet its insert into {shape} collided with {context.NameOf(other.Tenant.Value)}'s row on unique key {error.ConstraintName ?? key.Name}: the key does not include {shape.TenantColumn}, and unique keys are checked without row-level security, so a tenant learns whether another tenant has a value. Make it unique per tenant: ({shape.TenantColumn}, {string.Join(", ", copied)}).",
                "the row inserted", $"{error.SqlState}: {error.MessageText}");
        }

        if (error is not null && error.SqlState != PostgresErrorCodes.UniqueViolation)
        {
            throw OwnWriteRefused(shape, "insert", error);
        }

        if (clash && error is null)
        {
            throw Fail("model", $"{Me}'s insert into {shape} reusing the values of its own row on unique key {key.Name} was not refused. {LikelyCauses.Hidden}",
                "refused: unique violation (23505) with its own row", "inserted");
        }

        if (rows is { Count: > 0 })
        {
            RequireOwnRows(shape, rows, "insert");
            model.Put(table, rows[0]);
        }

        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }
}
