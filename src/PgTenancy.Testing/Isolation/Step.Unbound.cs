using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// Statements around the binding: a partition of a tenant table queried directly (its own row-level security applies,
/// not its parent's), and statements with no tenant bound — on a plain connection of the app role, as a leaked password
/// or a forgotten code path sends them, and through the binding with no tenant in scope.
/// </summary>
internal sealed partial class Step
{
    private async Task ReadPartitionAsync(int table, CancellationToken cancellationToken)
    {
        var partitioned = Enumerable.Range(0, Tables.Length).Where(t => Tables[t].Partitions.Length > 0).ToArray();
        if (partitioned.Length == 0)
        {
            Describe("reads a partition directly (no partitioned table: nothing sent)");
            return;
        }

        table = partitioned[table % partitioned.Length];
        var shape = Tables[table];
        var partition = ShapeReader.QuotedName(shape.Partitions[operation.Pick % shape.Partitions.Length]);
        Describe($"reads every row of {partition}, a partition of {shape}, directly");
        var (read, error) = await TryAsync(() => QueryAsync(SqlBuilder.SelectAllFrom(shape, partition), cancellationToken)).ConfigureAwait(false);
        if (error?.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return;   // the app role has no privilege on the partition: it reaches the rows only through the parent's policies
        }

        if (error is not null)
        {
            throw Fail("model", $"{Me}'s read of {partition}, a partition of {shape}, failed with {error.SqlState} {error.MessageText}.", "its own rows, or permission denied", $"{error.SqlState}: {error.MessageText}");
        }

        read ??= [];
        var tenantIndex = shape.IndexOf(shape.TenantColumn);
        var foreign = read.Where(r => r[tenantIndex] != model.Tenant.Value).ToList();
        if (foreign.Count > 0)
        {
            throw Fail("model",
                $"{Me} read {foreign.Count} row(s) of other tenants ({string.Join(", ", foreign.Select(r => context.NameOf(r[tenantIndex])).Distinct())}) from {partition}, a partition of {shape}: "
                + $"a partition queried by its own name applies its own row-level security, not its parent's. Enable and force row-level security on every partition, with the tenant policy (EnableTenantIsolation on each), or revoke the app role's privileges on the partitions.",
                $"only rows of {Me}", RowSet.Format(shape, foreign));
        }

        var own = model.Rows(table).Select(r => TenantModel.KeyOf(shape, r)).ToHashSet(StringComparer.Ordinal);
        var unknown = read.Where(r => !own.Contains(TenantModel.KeyOf(shape, r))).ToList();
        if (unknown.Count > 0)
        {
            throw Fail("model", $"{Me} read rows from {partition} that are not among its rows of {shape}. {LikelyCauses.Mismatch}",
                RowSet.Format(shape, model.Rows(table)), RowSet.Format(shape, unknown));
        }
    }

    /// <summary>
    /// With no tenant bound, the app role must read no row and write none. On a plain connection this catches a tenant
    /// pinned as the role's or database's default (<c>ALTER ROLE … SET</c>) and a policy that treats "no tenant" as
    /// every tenant; through the binding it checks the missing-tenant behaviour (an exception, or no rows).
    /// </summary>
    private async Task UnboundAsync(int table, CancellationToken cancellationToken)
    {
        var shape = Tables[table];
        Describe($"reads, updates and inserts into {shape} with no tenant bound: on a plain connection of the app role, then through the binding outside any tenant scope");
        var plain = context.Sql.Unbound;
        Record("-- a plain connection of the app role, no tenant bound:");
        var setting = SqlBuilder.Setting(context.SettingName, verifier: null);
        Record(setting.ToString());
        var pinned = (await plain.QueryAsync(setting, cancellationToken).ConfigureAwait(false)) is [[{ Length: > 0 } value]] ? value : null;
        if (pinned is not null)
        {
            throw Fail("unbound",
                $"A plain connection of the app role starts with '{context.SettingName}' = '{pinned}' ({context.NameOf(pinned)}), bound to statements no one bound: "
                + $"a default set with ALTER ROLE … SET or ALTER DATABASE … SET (RESET it: ALTER ROLE … RESET {context.SettingName}), or a session-level SET (set_config(…, false)) that an earlier client left on a pooled server connection, which PgBouncer hands to the next client (bind per transaction, as PgTenancy does).",
                "no tenant", $"'{pinned}'");
        }

        var select = SqlBuilder.SelectAll(shape);
        Record(select.ToString());
        RequireNothingUnbound(shape, "read", await plain.QueryAsync(select, cancellationToken).ConfigureAwait(false));

        var touch = SqlBuilder.TouchEveryRow(shape);
        Record(touch.ToString());
        var (touched, touchError) = await TryAsync(() => plain.ExecuteAsync(touch, cancellationToken)).ConfigureAwait(false);
        if (touchError is null && touched > 0)
        {
            throw Fail("unbound",
                $"An UPDATE of {shape} without WHERE, sent by the app role with no tenant bound, reached {touched} row(s). {UnboundCauses}",
                "0 rows", $"{touched} row(s)");
        }

        if (RowFactory.NewRow(Tables, table, model, operation.Pick) is { } values)
        {
            var insert = SqlBuilder.WithoutReturning(SqlBuilder.Insert(shape, values));
            Record(insert.ToString());
            var (written, error) = await TryAsync(() => plain.ExecuteAsync(insert, cancellationToken)).ConfigureAwait(false);
            if (error is null && written > 0)
            {
                throw Fail("unbound",
                    $"An insert into {shape} of a row for {Me}, sent by the app role with no tenant bound, was accepted. {UnboundCauses}",
                    "refused by row-level security (42501)", $"{written} row(s) written");
            }
        }

        Record("-- through the binding, outside any tenant scope:");
        Record(select.ToString());
        try
        {
            RequireNothingUnbound(shape, "read through the binding", await context.Sql.QueryAsync(select, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (ExceptionChain.Find<TenantContextMissingException>(e) is not null)
        {
            // MissingTenantBehavior.Throw: refused before anything was sent.
        }
    }

    private string UnboundCauses =>
        $"The policy matches rows when no tenant is bound (it must match none: compare with NULLIF(current_setting('{context.SettingName}', true), '') and nothing else), "
        + $"or '{context.SettingName}' has a default for the role or database (ALTER ROLE … SET / ALTER DATABASE … SET: RESET it), "
        + "or row-level security does not apply: the table has it off, or the app role is a superuser, BYPASSRLS, or the table's owner without FORCE ROW LEVEL SECURITY.";

    private void RequireNothingUnbound(TableShape shape, string what, List<string?[]> rows)
    {
        if (rows.Count > 0)
        {
            var tenantIndex = shape.IndexOf(shape.TenantColumn);
            throw Fail("unbound",
                $"A {what} of {shape} by the app role with no tenant bound returned {rows.Count} row(s) ({string.Join(", ", rows.Select(r => context.NameOf(r[tenantIndex])).Distinct())}). {UnboundCauses}",
                "no rows", RowSet.Format(shape, rows));
        }
    }
}
