using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// Runs one case: resets the tables and seeds each tenant's rows — and rows outside the case's tenants — as the oracle
/// role, runs every tenant's operations under test (concurrently over a small pool, or round-robin), then compares every
/// tenant's rows with its model. When triggers or rules on the tables write rows on their own (<paramref name="sideEffects"/>),
/// the tenants take turns and the oracle reads the tables after each step: what the step wrote into its own tenant's rows
/// is that tenant's, any change to another tenant's rows is a finding that names the objects.
/// </summary>
internal sealed class CaseRunner(
    TableShape[] tables, NpgsqlDataSource oracle, string settingName, string? verifier, IsolationSeverity keysWithoutTenant, string[] sideEffects)
{
    private readonly int[] _seedOrder = SeedOrder(tables);

    public async Task<CaseFailure?> RunAsync(IsolationCase @case, ISqlChannel sql, IEntityChannel? entities, CancellationToken cancellationToken)
    {
        var models = @case.Tenants.Select((t, i) => new TenantModel(t, i, tables)).ToArray();
        var bystanders = new List<string?[]>[tables.Length];
        if (await ResetAndSeedAsync(@case, models, bystanders, cancellationToken).ConfigureAwait(false) is { } seedingFailed)
        {
            return seedingFailed;
        }

        var context = new CaseContext(tables, models, sql, entities, oracle, settingName, verifier, keysWithoutTenant);
        var attributed = sideEffects.Length > 0;

        var failures = new CaseFailure?[@case.Scripts.Length];
        if (@case.Concurrent && !attributed)
        {
            await Task.WhenAll(@case.Scripts.Select((script, s) => Task.Run(async () =>
            {
                for (var i = 0; i < script.Operations.Length && failures[s] is null; i++)
                {
                    failures[s] = await RunStepAsync(context, models[script.Tenant], i, script.Operations[i], cancellationToken).ConfigureAwait(false);
                }
            }, cancellationToken))).ConfigureAwait(false);
        }
        else
        {
            // Round-robin: tenants take turns, so each statement meets the connection the previous tenant just used.
            var longest = @case.Scripts.Select(s => s.Operations.Length).DefaultIfEmpty(0).Max();
            for (var i = 0; i < longest && failures.All(f => f is null); i++)
            {
                for (var s = 0; s < @case.Scripts.Length && failures.All(f => f is null); s++)
                {
                    var script = @case.Scripts[s];
                    if (i < script.Operations.Length)
                    {
                        var model = models[script.Tenant];
                        failures[s] = await RunStepAsync(context, model, i, script.Operations[i], cancellationToken).ConfigureAwait(false);
                        if (attributed && failures[s] is null)
                        {
                            failures[s] = await AttributeAsync(context, model, bystanders, i, script.Operations[i], cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }
        }

        return failures.FirstOrDefault(f => f is not null) ?? await FinalCheckAsync(context, bystanders, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<CaseFailure?> RunStepAsync(CaseContext context, TenantModel model, int index, Operation operation, CancellationToken cancellationToken)
    {
        var step = new Step(context, model, operation);
        try
        {
            if (operation.Kind == OperationKind.Unbound)
            {
                await step.RunAsync(cancellationToken).ConfigureAwait(false);   // no tenant in scope: that is the probe
            }
            else
            {
                using (TenantScope.Begin(model.Tenant))
                {
                    await step.RunAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            return null;
        }
        catch (FindingException e)
        {
            return new CaseFailure(e.Finding, model.Tenant, index, operation, step.Description, step.Sql);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var finding = new Finding("execution", $"The operation failed unexpectedly: {e.GetType().Name}: {e.Message}", "the operation to complete", e.Message);
            return new CaseFailure(finding, model.Tenant, index, operation, step.Description, step.Sql);
        }
    }

    /// <summary>
    /// After all steps, the oracle role reads every table: each tenant's rows must equal its model, and the rows outside
    /// the case's tenants must be as seeded. This catches a write that landed in another tenant, which that tenant's own
    /// reads may not have met yet.
    /// </summary>
    private async Task<CaseFailure?> FinalCheckAsync(CaseContext context, List<string?[]>[] bystanders, CancellationToken cancellationToken)
    {
        var snapshot = await ReadAllAsync(cancellationToken).ConfigureAwait(false);
        for (var t = 0; t < tables.Length; t++)
        {
            var shape = tables[t];
            if (Changed(context, shape, t, snapshot[t], bystanders, exceptTenant: null) is { } change)
            {
                var finding = new Finding("model",
                    $"After the case, {change.Whose} in {shape} differ from {(change.Outside ? "the rows seeded for nobody" : "its model")}: another tenant's statement inserted, changed or deleted them. {LikelyCauses.Leak}",
                    change.Expected, change.Actual);
                return new CaseFailure(finding, change.Tenant ?? context.Models[0].Tenant, -1, null, $"(after all steps) the oracle role reads {shape}",
                    ["-- oracle role: " + SqlBuilder.SelectAll(shape)]);
            }
        }

        return null;
    }

    /// <summary>
    /// After a step of <paramref name="actor"/> (attributed runs): its tenant's rows become what the oracle reads — a
    /// trigger, rule or default that wrote them acted for that tenant — and every other tenant's rows, and the rows
    /// outside the case's tenants, must be unchanged.
    /// </summary>
    private async Task<CaseFailure?> AttributeAsync(
        CaseContext context, TenantModel actor, List<string?[]>[] bystanders, int index, Operation operation, CancellationToken cancellationToken)
    {
        var snapshot = await ReadAllAsync(cancellationToken).ConfigureAwait(false);
        for (var t = 0; t < tables.Length; t++)
        {
            var shape = tables[t];
            var tenantIndex = shape.IndexOf(shape.TenantColumn);
            actor.Replace(t, snapshot[t].Where(r => r[tenantIndex] == actor.Tenant.Value));
            if (Changed(context, shape, t, snapshot[t], bystanders, exceptTenant: actor) is { } change)
            {
                var finding = new Finding("side effect",
                    $"A statement of {context.NameOf(actor.Tenant.Value)} changed {change.Whose} in {shape}. Triggers and rules on the verified tables, one of which wrote them: "
                    + $"{string.Join("; ", sideEffects)}. A trigger, rule or default may write only rows of the tenant whose statement fired it (take the tenant from NEW.{shape.TenantColumn} or the bound setting, never from a constant or another tenant's row).",
                    change.Expected, change.Actual);
                return new CaseFailure(finding, actor.Tenant, index, operation, $"(after step {index + 1}) the oracle role reads {shape}", ["-- oracle role: " + SqlBuilder.SelectAll(shape)]);
            }
        }

        return null;
    }

    /// <summary>A difference between what the oracle read of a table and what a tenant's model (or the seeded outside rows) says.</summary>
    private sealed record Change(TenantId? Tenant, string Whose, bool Outside, string Expected, string Actual);

    private static Change? Changed(CaseContext context, TableShape shape, int table, List<string?[]> all, List<string?[]>[] bystanders, TenantModel? exceptTenant)
    {
        var tenantIndex = shape.IndexOf(shape.TenantColumn);
        foreach (var model in context.Models.Where(m => m != exceptTenant))
        {
            var actual = RowSet.Sorted(shape, all.Where(r => r[tenantIndex] == model.Tenant.Value));
            var expected = RowSet.Sorted(shape, model.Rows(table));
            if (!RowSet.Same(expected, actual))
            {
                return new Change(model.Tenant, context.NameOf(model.Tenant.Value) + "'s rows", false, RowSet.Format(shape, expected), RowSet.Format(shape, actual));
            }
        }

        var outside = RowSet.Sorted(shape, all.Where(r => context.Models.All(m => m.Tenant.Value != r[tenantIndex])));
        var seeded = RowSet.Sorted(shape, bystanders[table]);
        return RowSet.Same(seeded, outside)
            ? null
            : new Change(null, "rows of no tenant of the case (an outside tenant's, or with a NULL tenant)", true, RowSet.Format(shape, seeded), RowSet.Format(shape, outside));
    }

    /// <summary>Every row of every table, read by the oracle role in one round trip.</summary>
    private Task<List<List<string?[]>>> ReadAllAsync(CancellationToken cancellationToken) =>
        new DataSourceChannel(oracle).BatchAsync([.. tables.Select(SqlBuilder.SelectAll)], cancellationToken);

    /// <summary>
    /// Empties the tables and seeds each tenant's rows as the oracle role. A statement the server refuses (a constraint,
    /// a trigger, a column the kit cannot fill) is a finding with its SQL and the server's error, not a crash.
    /// </summary>
    private async Task<CaseFailure?> ResetAndSeedAsync(IsolationCase @case, TenantModel[] models, List<string?[]>[] bystanders, CancellationToken cancellationToken)
    {
        var channel = new DataSourceChannel(oracle);
        var sent = new List<string>();
        try
        {
            await SeedAsync(@case, models, channel, sent, cancellationToken).ConfigureAwait(false);

            // The models and the outside rows are what the tables hold now: rows that triggers, rules or defaults wrote
            // while seeding belong to the tenant in their tenant column.
            sent.Add("-- every table, as the oracle reads it after seeding");
            var snapshot = await ReadAllAsync(cancellationToken).ConfigureAwait(false);
            for (var t = 0; t < tables.Length; t++)
            {
                var tenantIndex = tables[t].IndexOf(tables[t].TenantColumn);
                foreach (var model in models)
                {
                    model.Replace(t, snapshot[t].Where(r => r[tenantIndex] == model.Tenant.Value));
                }

                bystanders[t] = [.. snapshot[t].Where(r => models.All(m => m.Tenant.Value != r[tenantIndex]))];
            }

            return null;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or FormatException)
        {
            // Two of the case's tenants that collide on a key that includes the tenant column: the column compares them as equal.
            var collision = e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique
                ? $" The case's tenants ({string.Join(", ", @case.Tenants.Select(t => t.Value))}) differ, and each tenant's seed rows are unique within it, yet two rows collided on {unique.ConstraintName ?? "a unique key"}: "
                  + "a unique key or index that leaves out the tenant column is checked across tenants (a tenant learns whether another has a value); one that includes it collides only if the tenant column compares different tenant ids as equal (a nondeterministic collation), and the policy's = then lets one tenant see the other's rows."
                : "";
            var finding = new Finding("seeding",
                $"Seeding the case's rows as the oracle role failed: {e.Message}.{collision} The kit writes the rows each tenant starts with before any statement under test; a table it cannot fill (a CHECK, a trigger, a column type it does not know) needs IsolationOptions or a seed the schema accepts.",
                "the seed rows written", e.GetType().Name + ": " + e.Message);
            return new CaseFailure(finding, models[0].Tenant, -1, null, "(before the steps) the oracle role seeds the tables", [.. sent.Select(s => "-- oracle role: " + s)]);
        }
    }

    private async Task SeedAsync(IsolationCase @case, TenantModel[] models, DataSourceChannel channel, List<string> sent, CancellationToken cancellationToken)
    {

        // TRUNCATE all tables in one statement: fast, and foreign keys between them are no obstacle.
        var truncate = new Statement($"TRUNCATE {string.Join(", ", tables.Select(t => t.Sql))} RESTART IDENTITY", []);
        sent.Add(truncate.Sql);
        await channel.ExecuteAsync(truncate, cancellationToken).ConfigureAwait(false);
        // Rows nobody in the case may see or change: an outside tenant's, and NULL-tenant rows where the column allows them.
        var outsider = @case.Outsider is { } outside && @case.BystanderRows > 0 ? new TenantModel(outside, models.Length, tables) : null;
        var nullTenant = outsider is null ? null : new TenantModel(outsider.Tenant, models.Length + 1, tables);
        foreach (var t in _seedOrder)
        {
            // One batch per table, parents first; each tenant's rows may reference only its own parent rows.
            var shape = tables[t];
            var seeds = (from model in models
                         from r in Enumerable.Range(0, @case.SeedRows[model.Index][t])
                         let values = RowFactory.NewRow(tables, t, model, r)
                         where values is not null
                         select (Model: model, Statement: SqlBuilder.Insert(shape, values))).ToList();
            if (outsider is not null)
            {
                seeds.AddRange(from r in Enumerable.Range(0, @case.BystanderRows)
                               let values = RowFactory.NewRow(tables, t, outsider, r)
                               where values is not null
                               select (Model: outsider, Statement: SqlBuilder.Insert(shape, values)));
                if (shape.Column(shape.TenantColumn).Nullable)
                {
                    seeds.AddRange(from r in Enumerable.Range(0, @case.BystanderRows)
                                   let values = RowFactory.NewRow(tables, t, nullTenant!, r)
                                   where values is not null
                                   select (Model: nullTenant!, Statement: SqlBuilder.Insert(shape, [.. values.Select(v => v.Column == shape.TenantColumn ? (v.Column, (string?)null) : v)])));
                }
            }

            if (seeds.Count == 0)
            {
                continue;
            }

            sent.AddRange(seeds.Select(s => s.Statement.Sql));
            var results = await channel.BatchAsync([.. seeds.Select(s => s.Statement)], cancellationToken).ConfigureAwait(false);
            foreach (var (seed, rows) in seeds.Zip(results))
            {
                seed.Model.Put(t, rows.Single());
            }
        }
    }

    /// <summary>Parents before children, so that seed rows can reference parent rows of their own tenant.</summary>
    private static int[] SeedOrder(TableShape[] tables)
    {
        var order = new List<int>();
        var visiting = new HashSet<int>();
        void Visit(int t)
        {
            if (order.Contains(t) || !visiting.Add(t))
            {
                return;
            }

            foreach (var foreignKey in tables[t].ForeignKeys.Where(f => f.ParentTable != t))
            {
                Visit(foreignKey.ParentTable);
            }

            order.Add(t);
        }

        for (var t = 0; t < tables.Length; t++)
        {
            Visit(t);
        }

        return [.. order];
    }
}
