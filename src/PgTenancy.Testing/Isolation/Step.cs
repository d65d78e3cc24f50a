using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// One operation of one tenant, and the oracles around it. Sends SQL through the channel under test, records every
/// statement for the counterexample, and throws a <see cref="FindingException"/> at the first disagreement.
/// </summary>
internal sealed partial class Step(CaseContext context, TenantModel model, Operation operation)
{
    private readonly List<string> _sql = [];

    public IReadOnlyList<string> Sql => _sql;

    public string Description { get; private set; } = operation.Kind.ToString();

    private TableShape[] Tables => context.Tables;

    private string Me => context.NameOf(model.Tenant.Value);

    /// <summary>The tenant that a cross-tenant operation aims at.</summary>
    private TenantModel Other
    {
        get
        {
            var others = context.Models.Where(m => m != model).ToArray();
            return others[operation.Other % others.Length];
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var table = operation.Table % Tables.Length;
        switch (operation.Kind)
        {
            case OperationKind.ReadAll:
                Describe($"reads every row of {Tables[table]}");
                await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.ReadByKey:
                await ReadByKeyAsync(table, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.ReadPartition:
                await ReadPartitionAsync(table, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.Unbound:
                await UnboundAsync(table, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.ReadSetting:
                await ReadSettingAsync(cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.Insert or OperationKind.InsertBatch:
                await InsertAsync(table, operation.Kind == OperationKind.Insert ? 1 : operation.Count, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.Update:
                await UpdateAsync(table, model, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.Delete:
                await DeleteAsync(table, model, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.UpdateOtherTenantsKey:
                await UpdateAsync(table, Other, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.DeleteOtherTenantsKey:
                await DeleteAsync(table, Other, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.InsertForOtherTenant:
                await InsertForOtherTenantAsync(table, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.MoveToOtherTenant:
                await MoveToOtherTenantAsync(table, cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.ForeignKeyToOtherTenant:
                await ForeignKeyProbeAsync(cancellationToken).ConfigureAwait(false);
                break;
            case OperationKind.UniqueKeyProbe:
                await UniqueKeyProbeAsync(cancellationToken).ConfigureAwait(false);
                break;
            default:
                await RunEntityAsync(table, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private void Describe(string what) => Description = what;

    private static FindingException Fail(string oracle, string cause, string expected, string actual) =>
        new(new Finding(oracle, cause, expected, actual));

    // ---- reads ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// The model and metamorphic oracles on one table: what the tenant reads must be its own rows, equal to the model,
    /// and equal to the oracle role's read with an explicit <c>WHERE tenant = …</c>.
    /// </summary>
    private async Task CheckTableAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var read = await QueryAsync(SqlBuilder.SelectAll(shape), cancellationToken).ConfigureAwait(false);
        RequireOwnRows(shape, read, "read");
        var expected = RowSet.Sorted(shape, model.Rows(table));
        var actual = RowSet.Sorted(shape, read);
        if (!RowSet.Same(expected, actual))
        {
            throw Fail("model", $"{Me} does not read what it wrote in {shape}: rows are missing, changed or extra. {LikelyCauses.Mismatch}",
                RowSet.Format(shape, expected), RowSet.Format(shape, actual));
        }

        var filtered = RowSet.Sorted(shape, await OracleQueryAsync(SqlBuilder.SelectAllOf(shape, model.Tenant), cancellationToken).ConfigureAwait(false));
        if (!RowSet.Same(filtered, actual))
        {
            throw Fail("metamorphic", $"{Me}'s read of {shape} under row-level security differs from the same read with an explicit WHERE {shape.TenantColumn} = … as the oracle role. {LikelyCauses.Mismatch}",
                RowSet.Format(shape, filtered), RowSet.Format(shape, actual));
        }
    }

    private async Task ReadByKeyAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var source = operation.Other % 2 == 0 ? model : Other;
        var row = source.Pick(table, operation.Pick);
        if (row is null)
        {
            Describe($"reads {shape} by key (no row to aim at: nothing sent)");
            return;
        }

        var key = TenantModel.KeyValues(shape, row);
        Describe($"reads {shape} by the key ({string.Join(", ", key)}) of a row of {context.NameOf(source.Tenant.Value)}");
        var read = await QueryAsync(SqlBuilder.SelectByKey(shape, key), cancellationToken).ConfigureAwait(false);
        RequireOwnRows(shape, read, "read by key");
        var own = model.Find(table, TenantModel.KeyOf(shape, row));
        var expected = own is null ? [] : new List<string?[]> { own };
        if (!RowSet.Same(expected, read))
        {
            throw Fail("model", $"{Me}'s read of {shape} by key does not match its model. {LikelyCauses.Mismatch}", RowSet.Format(shape, expected), RowSet.Format(shape, read));
        }
    }

    private async Task ReadSettingAsync(CancellationToken cancellationToken)
    {
        Describe($"reads the tenant setting '{context.SettingName}'");
        var rows = await QueryAsync(SqlBuilder.Setting(context.SettingName, context.Verifier), cancellationToken).ConfigureAwait(false);
        var seen = rows.Count == 1 ? rows[0][0] : null;
        if (seen != model.Tenant.Value)
        {
            throw Fail("binding", $"A statement of {Me} ran with '{context.SettingName}' = '{seen}' ({context.NameOf(seen)}). The binding is not transaction-local: a session-level SET (or set_config(…, false)) stays on the pooled connection or PgBouncer server connection and reaches the next client. Bind with PgTenancy's TenantDataSource or UseTenancy(), which set it per transaction.",
                $"'{model.Tenant.Value}'", $"'{seen}'");
        }
    }

    /// <summary>Every row a tenant receives must carry its own tenant id.</summary>
    private void RequireOwnRows(TableShape shape, List<string?[]> rows, string what)
    {
        var tenantIndex = shape.IndexOf(shape.TenantColumn);
        var foreign = rows.Where(r => r[tenantIndex] != model.Tenant.Value).ToList();
        if (foreign.Count > 0)
        {
            var owners = string.Join(", ", foreign.Select(r => context.NameOf(r[tenantIndex])).Distinct());
            throw Fail("model", $"{Me}'s {what} of {shape} returned {foreign.Count} row(s) of another tenant's rows ({owners}). {LikelyCauses.Leak}",
                $"only rows of {Me}", RowSet.Format(shape, foreign));
        }
    }

    // ---- the tenant's own writes -------------------------------------------------------------------------------

    private async Task InsertAsync(int table, int count, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var rows = new List<List<(string Column, string? Value)>>();
        for (var i = 0; i < count; i++)
        {
            var values = RowFactory.NewRow(Tables, table, model, operation.Pick + i);
            if (values is null)
            {
                Describe($"inserts into {shape} (no parent row to reference: nothing sent)");
                return;
            }

            rows.Add(values);
        }

        Describe(count == 1 ? $"inserts a row into {shape}" : $"inserts {count} rows into {shape} in one batch");
        var statements = rows.Select(r => SqlBuilder.Insert(shape, r)).ToList();
        var (results, error) = await TryAsync(() => BatchAsync(statements, cancellationToken)).ConfigureAwait(false);
        if (error is not null)
        {
            throw OwnWriteRefused(shape, "insert", error);
        }

        foreach (var inserted in results!.SelectMany(r => r))
        {
            RequireOwnRows(shape, [inserted], "insert");
            model.Put(table, inserted);
        }

        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An update by key: of the tenant's own row (with RETURNING, as an application reads back what it wrote), or aimed
    /// at a key of <paramref name="target"/>'s row, without RETURNING (which would make PostgreSQL check the SELECT
    /// policy and hide a broken UPDATE policy); it must reach only the tenant's own row with that key, if any.
    /// </summary>
    private async Task UpdateAsync(int table, TenantModel target, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var row = target.Pick(table, operation.Pick);
        if (row is null)
        {
            Describe($"updates a row of {shape} of {context.NameOf(target.Tenant.Value)} (it has none: nothing sent)");
            return;
        }

        var key = TenantModel.KeyValues(shape, row);
        var (column, value) = NewValue(table, key);
        Describe($"updates {shape}.{column} of the row with key ({string.Join(", ", key)}) of {context.NameOf(target.Tenant.Value)}");
        var own = model.Find(table, TenantModel.KeyOf(shape, row));
        var statement = SqlBuilder.Update(shape, column, value, key);
        int changed;
        if (target == model)
        {
            var updated = await OwnUpdateAsync(shape, statement, cancellationToken).ConfigureAwait(false);
            RequireOwnRows(shape, updated, "update");
            changed = updated.Count;
        }
        else
        {
            var (count, error) = await TryAsync(() => ExecuteAsync(SqlBuilder.WithoutReturning(statement), cancellationToken)).ConfigureAwait(false);
            RequireNotReached(shape, target, error);
            changed = count;
        }

        RequireCount("update", shape, changed, own is null ? 0 : 1);
        if (own is not null)
        {
            await RefreshFromOracleAsync(table, key, expectPresent: true, cancellationToken).ConfigureAwait(false);
        }

        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    private async Task DeleteAsync(int table, TenantModel target, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var row = target.Pick(table, operation.Pick, withoutChildren: target == model);
        var own = row is null ? null : model.Find(table, TenantModel.KeyOf(shape, row));
        if (row is null || (own is not null && model.HasChildren(table, own)))
        {
            Describe($"deletes a row of {shape} of {context.NameOf(target.Tenant.Value)} (none without child rows: nothing sent)");
            return;
        }

        var key = TenantModel.KeyValues(shape, row);
        Describe($"deletes the row of {shape} with key ({string.Join(", ", key)}) of {context.NameOf(target.Tenant.Value)}");
        var statement = SqlBuilder.Delete(shape, key);
        int deleted;
        if (target == model)
        {
            var rows = await QueryAsync(statement, cancellationToken).ConfigureAwait(false);
            RequireOwnRows(shape, rows, "delete");
            deleted = rows.Count;
        }
        else
        {
            deleted = await ExecuteAsync(SqlBuilder.WithoutReturning(statement), cancellationToken).ConfigureAwait(false);
        }

        RequireCount("delete", shape, deleted, own is null ? 0 : 1);
        model.Remove(table, TenantModel.KeyOf(shape, row));
        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An update aimed at another tenant's key that WITH CHECK refuses has reached that tenant's row: USING let the
    /// statement see it. Any other error is unexpected.
    /// </summary>
    private void RequireNotReached(TableShape shape, TenantModel target, PostgresException? error)
    {
        if (error is null)
        {
            return;
        }

        throw Fail("model",
            error.SqlState == PostgresErrorCodes.InsufficientPrivilege
                ? $"{Me}'s update aimed at a key of {context.NameOf(target.Tenant.Value)}'s row in {shape} reached that row: WITH CHECK refused the result, so the policy's USING let {Me} see another tenant's row. {LikelyCauses.Leak}"
                : $"{Me}'s update by another tenant's key of {shape} failed with {error.SqlState} {error.MessageText}.",
            "0 rows, no error", $"{error.SqlState}: {error.MessageText}");
    }

    /// <summary>
    /// Runs an update of the tenant's own row. It changes no tenant column, so a sound policy never refuses it: a
    /// refusal (42501 from WITH CHECK) means the statement reached a row it must not see — another tenant's, through a
    /// USING clause broader than WITH CHECK — or its own row fails a WITH CHECK that is too narrow.
    /// </summary>
    private async Task<List<string?[]>> OwnUpdateAsync(TableShape shape, Statement statement, CancellationToken cancellationToken)
    {
        try
        {
            return await QueryAsync(statement, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw Fail("model",
                $"{Me}'s update by key of {shape} changes no tenant column, yet the policy refused it ({e.MessageText}): it reached another tenant's row "
                + $"(the policy's USING shows rows its WITH CHECK rejects), or WITH CHECK rejects the tenant's own row. {LikelyCauses.Leak} {LikelyCauses.Hidden}",
                "the update of its own row to succeed", $"{e.SqlState}: {e.MessageText}");
        }
    }

    /// <summary>A write by key must affect exactly the tenant's own rows with that key.</summary>
    private void RequireCount(string what, TableShape shape, int actual, int expected)
    {
        if (actual == expected)
        {
            return;
        }

        throw Fail("model",
            actual > expected
                ? $"{Me}'s {what} by key of {shape} affected {actual} row(s), but it has {expected} with that key: it reached another tenant's row. {LikelyCauses.Leak}"
                : $"{Me}'s {what} by key of {shape} affected {actual} row(s), but it has {expected} with that key: its own row is hidden from it. {LikelyCauses.Hidden}",
            $"{expected} row(s)", $"{actual} row(s)");
    }

    /// <summary>The column an update sets and its new value; a table with nothing else to change sets its first key column to itself.</summary>
    private (string Column, string? Value) NewValue(int table, string?[] key) =>
        Tables[table].ValueColumn is { } column
            ? (column.Name, RowFactory.Value(column, model.NextSequence(table) + 500))
            : (Tables[table].KeyColumns[0], key[0]);

    // ---- cross-tenant attempts ---------------------------------------------------------------------------------

    private async Task InsertForOtherTenantAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var other = Other;
        var values = RowFactory.NewRow(Tables, table, model, operation.Pick, owner: other);
        if (values is null)
        {
            Describe($"inserts a row for {context.NameOf(other.Tenant.Value)} into {shape} (it has no parent row: nothing sent)");
            return;
        }

        Describe($"inserts a row for {context.NameOf(other.Tenant.Value)} into {shape}");
        await RequireRefusedAsync(SqlBuilder.Insert(shape, values),
            $"{Me} inserted a row for {context.NameOf(other.Tenant.Value)} into {shape}. The policy's WITH CHECK is missing, always true or not keyed on {shape.TenantColumn}. {LikelyCauses.Leak}",
            cancellationToken).ConfigureAwait(false);
        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    private async Task MoveToOtherTenantAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        var row = model.Pick(table, operation.Pick);
        if (row is null)
        {
            Describe($"moves a row of {shape} to another tenant (it has none: nothing sent)");
            return;
        }

        var other = Other;
        var key = TenantModel.KeyValues(shape, row);
        // First as an attacker would, without a WHERE clause: a WHERE reads the rows, and then PostgreSQL checks the
        // SELECT policy on the new rows too, which would hide an UPDATE policy whose WITH CHECK is always true.
        Describe($"moves its rows of {shape} to {context.NameOf(other.Tenant.Value)} with an UPDATE without WHERE, then its row with key ({string.Join(", ", key)})");
        await RequireRefusedAsync(SqlBuilder.UpdateEveryRow(shape, shape.TenantColumn, other.Tenant.Value),
            $"{Me} moved its rows of {shape} into {context.NameOf(other.Tenant.Value)} with an UPDATE without WHERE (no SELECT policy is consulted then). The UPDATE policy's WITH CHECK is missing, always true or not keyed on {shape.TenantColumn}. {LikelyCauses.Leak}",
            cancellationToken).ConfigureAwait(false);
        await RequireRefusedAsync(SqlBuilder.Update(shape, shape.TenantColumn, other.Tenant.Value, key),
            $"{Me} moved its row of {shape} into {context.NameOf(other.Tenant.Value)}. The policy's WITH CHECK for UPDATE is missing, always true or not keyed on {shape.TenantColumn}. {LikelyCauses.Leak}",
            cancellationToken).ConfigureAwait(false);
        await CheckTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Row-level security must refuse the statement (42501: new row violates row-level security policy), before any constraint is checked.</summary>
    /// <remarks>Sent without RETURNING: with it, PostgreSQL also checks the SELECT policy on the new row, which would hide a broken INSERT or UPDATE policy.</remarks>
    private async Task RequireRefusedAsync(Statement statement, string cause, CancellationToken cancellationToken)
    {
        var (written, error) = await TryAsync(() => ExecuteAsync(SqlBuilder.WithoutReturning(statement), cancellationToken)).ConfigureAwait(false);
        if (error?.SqlState == PostgresErrorCodes.InsufficientPrivilege || (error is null && written == 0) || IsDistributionColumnChange(error))
        {
            return;
        }

        throw Fail("model", error is null ? cause : $"{cause} (Row-level security let it through; {error.SqlState} {error.MessageText} stopped it instead.)",
            "refused by row-level security (42501)", error is null ? $"{written} row(s) written" : $"{error.SqlState}: {error.MessageText}");
    }

    /// <summary>
    /// Citus refuses any change of a distributed table's distribution column — the tenant column — whoever asks: no row
    /// can move between tenants there at all, so the refusal is no leak. The policy's WITH CHECK, which that refusal
    /// leaves untried, is still checked in the catalog.
    /// </summary>
    private static bool IsDistributionColumnChange(PostgresException? error) =>
        error is { SqlState: PostgresErrorCodes.FeatureNotSupported }
        && error.MessageText.Contains("modifying the partition value of rows is not allowed", StringComparison.Ordinal);

    /// <summary>A write of the tenant's own row was refused: the error, and what it means.</summary>
    private FindingException OwnWriteRefused(TableShape shape, string what, PostgresException error) =>
        Fail("model", $"{Me}'s own {what} into {shape} was refused: {error.SqlState} {error.MessageText}. {RefusalHint(shape, error)}",
            "the row written", $"{error.SqlState}: {error.MessageText}");

    private string RefusalHint(TableShape shape, PostgresException error) => error.SqlState switch
    {
        PostgresErrorCodes.UniqueViolation when shape.UniqueKeys.Concat(shape.ExpressionKeys).FirstOrDefault(k => k.Name.EndsWith(error.ConstraintName ?? "?", StringComparison.Ordinal)) is { IncludesTenant: false } key =>
            $"The unique key {key.Name} does not include {shape.TenantColumn}: it is checked across tenants without row-level security, so the row collided with another tenant's row, and a tenant learns whether another tenant has a value.",
        PostgresErrorCodes.UniqueViolation =>
            $"The unique key {error.ConstraintName} includes the tenant column, so either the kit's model of {Me}'s rows is out of step with the table (another statement wrote into this tenant), "
            + $"or the tenant column compares different tenant ids as equal (a nondeterministic collation), so that {Me}'s row collided with another tenant's row.",
        PostgresErrorCodes.InsufficientPrivilege =>
            $"Row-level security refused the tenant's own row. {LikelyCauses.Hidden}",
        _ => "",
    };
}
