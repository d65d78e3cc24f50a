namespace PgTenancy.Benchmarks.Endurance;

/// <summary>One row of a tenant's ledger: its value, and the tenant in whose scope it was last written.</summary>
internal readonly record struct LedgerRow(long Id, int Value, Guid Writer);

/// <summary>
/// What each tenant's ledger holds, in each table, as far as the operations that committed say. Operations of one
/// tenant never overlap (<see cref="TenantSlot"/>), so the oracle is exact — except after an operation that could
/// have written and ended in an error (a terminated backend, a restart): whether it committed is then unknown, and
/// the slot is marked uncertain until it is read again from the server's truth.
/// </summary>
internal sealed class LedgerOracle
{
    private readonly Dictionary<(string Table, Guid Tenant), TenantSlot> _slots = [];

    public LedgerOracle(IEnumerable<string> tables, IEnumerable<Guid> tenants)
    {
        foreach (var table in tables)
        {
            foreach (var tenant in tenants)
            {
                _slots[(table, tenant)] = new TenantSlot(table, tenant);
            }
        }
    }

    public IEnumerable<TenantSlot> Slots => _slots.Values;

    public TenantSlot Slot(string table, Guid tenant) => _slots[(table, tenant)];
}

/// <summary>One tenant's rows in one table, and a lock so that one operation at a time works on them.</summary>
internal sealed class TenantSlot(string table, Guid tenant)
{
    private long _nextId = 1_000_000;

    public string Table { get; } = table;

    public Guid Tenant { get; } = tenant;

    public SemaphoreSlim Lock { get; } = new(1, 1);

    public Dictionary<long, LedgerRow> Rows { get; } = [];

    /// <summary>Whether an operation that may have written failed: the rows must be read from the server first.</summary>
    public bool Uncertain { get; set; }

    /// <summary>A fresh id: never reused, so a write whose outcome is unknown cannot collide with a later one.</summary>
    public long NewId() => ++_nextId;

    public long? AnyId(Random random) => Rows.Count == 0 ? null : Rows.Keys.ElementAt(random.Next(Rows.Count));

    /// <summary>The differences between what a read returned and what the oracle holds; empty when they agree.</summary>
    public IEnumerable<string> Differences(IReadOnlyCollection<LedgerRow> read, long? onlyId = null)
    {
        var expected = onlyId is { } id
            ? Rows.TryGetValue(id, out var row) ? [row] : []
            : Rows.Values.ToList();
        foreach (var missing in expected.Except(read))
        {
            yield return $"{Table}, tenant {Tenant}: row {missing.Id} ({missing.Value}) committed but not read";
        }

        foreach (var extra in read.Except(expected))
        {
            yield return $"{Table}, tenant {Tenant}: row {extra.Id} ({extra.Value}, written as {extra.Writer}) read but never committed by this tenant";
        }
    }
}
