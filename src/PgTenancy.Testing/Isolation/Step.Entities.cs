namespace PgTenancy.Testing.Isolation;

/// <summary>EF Core operations: the same oracles, with LINQ, <c>Find</c>, <c>SaveChanges</c> and <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> as the calls under test.</summary>
internal sealed partial class Step
{
    private IEntityChannel Entities => context.Entities
        ?? throw new InvalidOperationException($"Operation {operation.Kind} needs the EF Core entry point of TenantIsolation.");

    private async Task RunEntityAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        switch (operation.Kind)
        {
            case OperationKind.EfLinqRead:
                Describe($"EF Core: reads every {shape} entity with LINQ (AsNoTracking().ToListAsync())");
                Record($"EF Core LINQ: Set<{shape}>().AsNoTracking().ToListAsync()");
                var keys = await Entities.ReadKeysAsync(table, cancellationToken).ConfigureAwait(false);
                RequireOwnEntities(shape, keys);
                var expected = model.Rows(table).Select(r => TenantModel.KeyOf(shape, r)).Order(StringComparer.Ordinal).ToList();
                var actual = keys.Select(k => string.Join('\u001f', k.Skip(1))).Order(StringComparer.Ordinal).ToList();
                if (!expected.SequenceEqual(actual))
                {
                    throw Fail("model", $"{Me}'s LINQ read of {shape} does not return the keys of its model. {LikelyCauses.Mismatch}", string.Join("; ", expected), string.Join("; ", actual));
                }

                break;
            case OperationKind.EfFind:
                await FindAsync(table, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.EfSaveChanges:
                await SaveNewEntitiesAsync(table, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.EfUpdate or OperationKind.EfRemove:
                await ChangeTrackedEntityAsync(table, cancellationToken).ConfigureAwait(false);
                break;
            default:
                await ExecuteByOtherTenantsKeyAsync(table, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private async Task FindAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var source = operation.Other % 2 == 0 ? model : Other;
        var row = source.Pick(table, operation.Pick);
        if (row is null)
        {
            Describe($"EF Core: Find on {shape} (no row to aim at: nothing sent)");
            return;
        }

        var key = TenantModel.KeyValues(shape, row);
        Describe($"EF Core: Find on {shape} with the key ({source.Tenant}, {string.Join(", ", key)}) of a row of {context.NameOf(source.Tenant.Value)}");
        Record($"EF Core: FindAsync<{shape}>({source.Tenant}, {string.Join(", ", key)})");
        var found = await Entities.FindAsync(table, source.Tenant, key, cancellationToken).ConfigureAwait(false);
        var keyHasTenant = shape.UniqueKeys.First(k => k.IsPrimaryKey).IncludesTenant;
        var own = keyHasTenant && source != model ? null : model.Find(table, TenantModel.KeyOf(shape, row));
        if (found is not null)
        {
            RequireOwnEntities(shape, [found]);
        }

        if ((found is null) != (own is null))
        {
            throw Fail("model", $"{Me}'s Find on {shape} {(found is null ? $"did not find its own row. {LikelyCauses.Hidden}" : $"found a row its model does not have. {LikelyCauses.Leak}")}",
                own is null ? "null" : "its own row", found is null ? "null" : string.Join(", ", found));
        }
    }

    private async Task SaveNewEntitiesAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var rows = new List<List<(string Column, string? Value)>>();
        for (var i = 0; i < operation.Count; i++)
        {
            var values = RowFactory.NewRow(Tables, table, model, operation.Pick + i);
            if (values is null)
            {
                Describe($"EF Core: adds {shape} entities (no parent row to reference: nothing sent)");
                return;
            }

            rows.Add(values);
        }

        Describe($"EF Core: adds {rows.Count} {shape} entit{(rows.Count == 1 ? "y" : "ies")} and calls SaveChangesAsync once");
        Record($"EF Core: Add × {rows.Count} ({string.Join("; ", rows.Select(r => string.Join(", ", r.Select(v => $"{v.Column}={v.Value}"))))}); SaveChangesAsync()");
        var (keys, error) = await TryAsync(() => Entities.InsertAsync(table, rows, cancellationToken)).ConfigureAwait(false);
        if (error is not null)
        {
            throw OwnWriteRefused(shape, "SaveChanges of new entities", error);
        }

        foreach (var key in keys!)
        {
            await RefreshFromOracleAsync(table, key, expectPresent: true, cancellationToken).ConfigureAwait(false);
        }

        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    private async Task ChangeTrackedEntityAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var remove = operation.Kind == OperationKind.EfRemove;
        var row = model.Pick(table, operation.Pick, withoutChildren: remove);
        if (row is null)
        {
            Describe($"EF Core: {(remove ? "removes" : "updates")} a tracked {shape} entity (none: nothing sent)");
            return;
        }

        var key = TenantModel.KeyValues(shape, row);
        bool found;
        if (remove)
        {
            Describe($"EF Core: finds its {shape} entity ({string.Join(", ", key)}), removes it, SaveChangesAsync");
            Record($"EF Core: FindAsync<{shape}>({model.Tenant}, {string.Join(", ", key)}); Remove; SaveChangesAsync()");
            found = await Entities.RemoveAsync(table, model.Tenant, key, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var (column, value) = NewValue(table, key);
            Describe($"EF Core: finds its {shape} entity ({string.Join(", ", key)}), sets {column}, SaveChangesAsync");
            Record($"EF Core: FindAsync<{shape}>({model.Tenant}, {string.Join(", ", key)}); {column} = {value}; SaveChangesAsync()");
            found = await Entities.UpdateAsync(table, model.Tenant, key, column, value, cancellationToken).ConfigureAwait(false);
        }

        if (!found)
        {
            throw Fail("model", $"{Me}'s Find of its own {shape} entity returned null. {LikelyCauses.Hidden}", "its own entity", "null");
        }

        await RefreshFromOracleAsync(table, key, expectPresent: !remove, cancellationToken).ConfigureAwait(false);
        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    private async Task ExecuteByOtherTenantsKeyAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var delete = operation.Kind == OperationKind.EfExecuteDelete;
        var other = Other;
        var row = other.Pick(table, operation.Pick);
        var own = row is null ? null : model.Find(table, TenantModel.KeyOf(shape, row));
        if (row is null || (delete && own is not null && model.HasChildren(table, own)))
        {
            Describe($"EF Core: {(delete ? "ExecuteDelete" : "ExecuteUpdate")} on {shape} by another tenant's key (nothing to aim at: nothing sent)");
            return;
        }

        var key = TenantModel.KeyValues(shape, row);
        int affected;
        if (delete)
        {
            Describe($"EF Core: ExecuteDeleteAsync on {shape} where key = ({string.Join(", ", key)}), a key of {context.NameOf(other.Tenant.Value)}");
            Record($"EF Core: Set<{shape}>().Where(key == ({string.Join(", ", key)})).ExecuteDeleteAsync()");
            affected = await Entities.ExecuteDeleteAsync(table, key, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var (column, value) = NewValue(table, key);
            Describe($"EF Core: ExecuteUpdateAsync on {shape} setting {column} where key = ({string.Join(", ", key)}), a key of {context.NameOf(other.Tenant.Value)}");
            Record($"EF Core: Set<{shape}>().Where(key == ({string.Join(", ", key)})).ExecuteUpdateAsync({column} = {value})");
            var (count, error) = await TryAsync(() => Entities.ExecuteUpdateAsync(table, key, column, value, cancellationToken)).ConfigureAwait(false);
            RequireNotReached(shape, other, error);
            affected = count;
        }

        RequireCount(delete ? "ExecuteDelete" : "ExecuteUpdate", shape, affected, own is null ? 0 : 1);

        if (own is not null)
        {
            await RefreshFromOracleAsync(table, key, expectPresent: !delete, cancellationToken).ConfigureAwait(false);
        }

        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After an EF Core write, takes the row from the oracle role's read of the tenant's key; it must be there (in this tenant) or gone.</summary>
    private async Task RefreshFromOracleAsync(int table, string?[] key, bool expectPresent, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var rows = await OracleQueryAsync(SqlBuilder.SelectByKeyOf(shape, key, model.Tenant), cancellationToken).ConfigureAwait(false);
        if (expectPresent && rows.Count != 1)
        {
            throw Fail("model", $"{Me}'s EF Core write of {shape} ({string.Join(", ", key)}) is not in its tenant afterwards. {LikelyCauses.Mismatch}", "the row in its tenant", $"{rows.Count} rows");
        }

        if (expectPresent)
        {
            model.Put(table, rows[0]);
        }
        else
        {
            model.Remove(table, string.Join('\u001f', key));
        }
    }

    private void RequireOwnEntities(TableShape shape, List<string?[]> tenantAndKeys)
    {
        var foreign = tenantAndKeys.Where(k => k[0] != model.Tenant.Value).ToList();
        if (foreign.Count > 0)
        {
            throw Fail("model", $"EF Core returned {foreign.Count} {shape} entities of another tenant ({string.Join(", ", foreign.Select(k => context.NameOf(k[0])).Distinct())}) to {Me}. {LikelyCauses.Leak}",
                $"only entities of {Me}", string.Join("; ", foreign.Select(k => string.Join(", ", k))));
        }
    }
}
