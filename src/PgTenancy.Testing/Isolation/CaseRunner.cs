using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// Runs one case: resets the tables and seeds each tenant's rows as the oracle role, runs every tenant's operations
/// under test (concurrently over a small pool, or round-robin), then compares every tenant's rows with its model.
/// </summary>
internal sealed class CaseRunner(TableShape[] tables, NpgsqlDataSource oracle, string settingName, string? verifier, IsolationSeverity keysWithoutTenant)
{
    private readonly int[] _seedOrder = SeedOrder(tables);

    public async Task<CaseFailure?> RunAsync(IsolationCase @case, ISqlChannel sql, IEntityChannel? entities, CancellationToken cancellationToken)
    {
        var models = @case.Tenants.Select((t, i) => new TenantModel(t, i, tables)).ToArray();
        if (await ResetAndSeedAsync(@case, models, cancellationToken).ConfigureAwait(false) is { } seedingFailed)
        {
            return seedingFailed;
        }

        var context = new CaseContext(tables, models, sql, entities, oracle, settingName, verifier, keysWithoutTenant);

        var failures = new CaseFailure?[@case.Scripts.Length];
        if (@case.Concurrent)
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
            for (var i = 0; i < longest; i++)
            {
                for (var s = 0; s < @case.Scripts.Length; s++)
                {
                    var script = @case.Scripts[s];
                    if (i < script.Operations.Length && failures[s] is null)
                    {
                        failures[s] = await RunStepAsync(context, models[script.Tenant], i, script.Operations[i], cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        return failures.FirstOrDefault(f => f is not null) ?? await FinalCheckAsync(context, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<CaseFailure?> RunStepAsync(CaseContext context, TenantModel model, int index, Operation operation, CancellationToken cancellationToken)
    {
        var step = new Step(context, model, operation);
        try
        {
            using (TenantScope.Begin(model.Tenant))
            {
                await step.RunAsync(cancellationToken).ConfigureAwait(false);
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
    /// After all steps, the oracle role reads every table: each tenant's rows must equal its model. This catches a
    /// write that landed in another tenant, which that tenant's own reads may not have met yet.
    /// </summary>
    private async Task<CaseFailure?> FinalCheckAsync(CaseContext context, CancellationToken cancellationToken)
    {
        var channel = new DataSourceChannel(oracle);
        for (var t = 0; t < tables.Length; t++)
        {
            var shape = tables[t];
            var statement = SqlBuilder.SelectAll(shape);
            var all = await channel.QueryAsync(statement, cancellationToken).ConfigureAwait(false);
            var tenantIndex = shape.IndexOf(shape.TenantColumn);
            foreach (var model in context.Models)
            {
                var actual = RowSet.Sorted(shape, all.Where(r => r[tenantIndex] == model.Tenant.Value));
                var expected = RowSet.Sorted(shape, model.Rows(t));
                if (!RowSet.Same(expected, actual))
                {
                    var finding = new Finding("model",
                        $"After the case, {context.NameOf(model.Tenant.Value)}'s rows in {shape} differ from its model: another tenant's statement inserted, changed or deleted them. {LikelyCauses.Leak}",
                        RowSet.Format(shape, expected), RowSet.Format(shape, actual));
                    return new CaseFailure(finding, model.Tenant, -1, null, $"(after all steps) the oracle role reads {shape}", ["-- oracle role: " + statement]);
                }
            }

            var strangers = all.Where(r => context.Models.All(m => m.Tenant.Value != r[tenantIndex])).ToList();
            if (strangers.Count > 0)
            {
                var finding = new Finding("model", $"After the case, {shape} holds rows of a tenant outside the case: a statement wrote a tenant id nobody bound.", "no rows", RowSet.Format(shape, strangers));
                return new CaseFailure(finding, context.Models[0].Tenant, -1, null, $"(after all steps) the oracle role reads {shape}", ["-- oracle role: " + statement]);
            }
        }

        return null;
    }

    /// <summary>
    /// Empties the tables and seeds each tenant's rows as the oracle role. A statement the server refuses (a constraint,
    /// a trigger, a column the kit cannot fill) is a finding with its SQL and the server's error, not a crash.
    /// </summary>
    private async Task<CaseFailure?> ResetAndSeedAsync(IsolationCase @case, TenantModel[] models, CancellationToken cancellationToken)
    {
        var channel = new DataSourceChannel(oracle);
        var sent = new List<string>();
        try
        {
            await SeedAsync(@case, models, channel, sent, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or FormatException)
        {
            var finding = new Finding("seeding",
                $"Seeding the case's rows as the oracle role failed: {e.Message}. The kit writes the rows each tenant starts with before any statement under test; a table it cannot fill (a CHECK, a trigger, a column type it does not know) needs IsolationOptions or a seed the schema accepts.",
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
        foreach (var t in _seedOrder)
        {
            // One batch per table, parents first; each tenant's rows may reference only its own parent rows.
            var seeds = (from model in models
                         from r in Enumerable.Range(0, @case.SeedRows[model.Index][t])
                         let values = RowFactory.NewRow(tables, t, model, r)
                         where values is not null
                         select (Model: model, Statement: SqlBuilder.Insert(tables[t], values))).ToList();
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
