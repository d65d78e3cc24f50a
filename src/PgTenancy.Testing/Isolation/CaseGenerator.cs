using FsCheck;
using FsCheck.Fluent;

namespace PgTenancy.Testing.Isolation;

/// <summary>The FsCheck generator and shrinker of <see cref="IsolationCase"/>s.</summary>
/// <param name="options">What to generate.</param>
/// <param name="tenantKind">The tenants' kind.</param>
/// <param name="tenantRange">For integer tenants, the values the narrowest tenant column holds.</param>
/// <param name="tableCount">How many tables the operations choose from.</param>
/// <param name="entityFramework">Whether EF Core operations may be generated.</param>
/// <param name="pgBouncer">Whether cases may run through PgBouncer.</param>
internal sealed class CaseGenerator(IsolationOptions options, TenantIdKind tenantKind, (long Min, long Max) tenantRange, int tableCount, bool entityFramework, bool pgBouncer)
{
    private static readonly OperationKind[] EfKinds =
        [OperationKind.EfLinqRead, OperationKind.EfFind, OperationKind.EfSaveChanges, OperationKind.EfUpdate, OperationKind.EfRemove, OperationKind.EfExecuteUpdate, OperationKind.EfExecuteDelete];

    public Arbitrary<IsolationCase> Arbitrary() => Arb.From(Cases(), Shrink);

    public OperationKind[] Kinds()
    {
        var chosen = options.Operations;
        var kinds = new List<OperationKind>();
        Add(IsolationOperations.Reads, OperationKind.ReadAll, OperationKind.ReadByKey, OperationKind.ReadPartition, OperationKind.Unbound);
        Add(IsolationOperations.Writes, OperationKind.Insert, OperationKind.InsertBatch, OperationKind.Update, OperationKind.Delete);
        Add(IsolationOperations.CrossTenantWrites, OperationKind.InsertForOtherTenant, OperationKind.MoveToOtherTenant, OperationKind.UpdateOtherTenantsKey, OperationKind.DeleteOtherTenantsKey);
        Add(IsolationOperations.ForeignKeyProbes, OperationKind.ForeignKeyToOtherTenant);
        Add(IsolationOperations.UniqueKeyProbes, OperationKind.UniqueKeyProbe);
        Add(IsolationOperations.BindingProbes, OperationKind.ReadSetting);
        if (entityFramework)
        {
            Add(IsolationOperations.EntityFramework, EfKinds);
        }

        return [.. kinds];

        void Add(IsolationOperations flag, params OperationKind[] added)
        {
            if ((chosen & flag) != 0)
            {
                kinds.AddRange(added);
            }
        }
    }

    private Gen<IsolationCase> Cases()
    {
        var kinds = Kinds();
        var operation =
            from kind in Gen.Elements(kinds)
            from table in Gen.Choose(0, tableCount - 1)
            from pick in Gen.Choose(0, 99)
            from other in Gen.Choose(0, 9)
            from count in Gen.Choose(1, 3)
            select new Operation(kind, table, pick, other, count);
        // One id more than the case's tenants: the tenant outside the case, whose rows nobody may see or change.
        return
            from tenantCount in Gen.Choose(2, options.MaxTenants)
            from family in Gen.Choose(0, TenantFamilies.Count(tenantKind) - 1)
            from stem in Gen.Choose(1, 999_999)
            from order in Gen.Choose(0, int.MaxValue)
            from seedRows in Gen.ArrayOf(Gen.ArrayOf(Gen.Choose(0, options.MaxRowsPerTenant), tableCount), tenantCount)
            from bystanderRows in Gen.Choose(0, 2)
            from scripts in Gen.ArrayOf(Gen.NonEmptyListOf(operation).Select(l => l.Take(options.MaxOperations).ToArray()), tenantCount)
            from throughPgBouncer in pgBouncer ? Gen.Elements(true, false) : Gen.Constant(false)
            from concurrent in options.Concurrent ? Gen.Elements(true, true, false) : Gen.Constant(false)
            let ids = TenantFamilies.Ids(tenantKind, family, stem, tenantCount + 1, order, tenantRange)
            select new IsolationCase(
                ids[..tenantCount],
                seedRows,
                [.. scripts.Select((ops, i) => new TenantScript(i, ops))],
                throughPgBouncer,
                concurrent)
            {
                Outsider = ids[tenantCount],
                BystanderRows = bystanderRows,
            };
    }

    /// <summary>Smaller cases first: fewer tenants, then fewer operations (halves, then one at a time), then fewer seed rows, then sequential and direct.</summary>
    private static IEnumerable<IsolationCase> Shrink(IsolationCase c)
    {
        if (c.Tenants.Length > 2)
        {
            for (var drop = c.Tenants.Length - 1; drop >= 0; drop--)
            {
                yield return DropTenant(c, drop);
            }
        }

        for (var s = 0; s < c.Scripts.Length; s++)
        {
            var ops = c.Scripts[s].Operations;
            if (ops.Length > 1)
            {
                yield return WithOperations(c, s, ops[..(ops.Length / 2)]);
                yield return WithOperations(c, s, ops[(ops.Length / 2)..]);
            }

            for (var o = 0; o < ops.Length && ops.Length > 0; o++)
            {
                yield return WithOperations(c, s, [.. ops[..o], .. ops[(o + 1)..]]);
            }
        }

        for (var t = 0; t < c.SeedRows.Length; t++)
        {
            for (var table = 0; table < c.SeedRows[t].Length; table++)
            {
                if (c.SeedRows[t][table] > 0)
                {
                    var rows = c.SeedRows.Select(r => r.ToArray()).ToArray();
                    rows[t][table]--;
                    yield return c with { SeedRows = rows };
                }
            }
        }

        if (c.BystanderRows > 0)
        {
            yield return c with { BystanderRows = c.BystanderRows - 1 };
        }

        if (c.Concurrent)
        {
            yield return c with { Concurrent = false };
        }

        if (c.ThroughPgBouncer)
        {
            yield return c with { ThroughPgBouncer = false };
        }
    }

    private static IsolationCase DropTenant(IsolationCase c, int drop) => c with
    {
        Tenants = [.. c.Tenants.Where((_, i) => i != drop)],
        SeedRows = [.. c.SeedRows.Where((_, i) => i != drop)],
        Scripts = [.. c.Scripts.Where(s => s.Tenant != drop).Select((s, i) => s with { Tenant = i })],
    };

    private static IsolationCase WithOperations(IsolationCase c, int script, Operation[] operations) => c with
    {
        Scripts = [.. c.Scripts.Select((s, i) => i == script ? s with { Operations = operations } : s)],
    };
}
