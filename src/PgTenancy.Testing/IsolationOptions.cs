namespace PgTenancy.Testing;

/// <summary>Options of <see cref="TenantIsolation"/>. Only <see cref="OracleConnectionString"/> is required.</summary>
public sealed class IsolationOptions
{
    /// <summary>
    /// A connection string for a role that row-level security does not apply to (a superuser, or a role with
    /// <c>BYPASSRLS</c>). The kit uses it to reset and seed the tables between cases, for the metamorphic reads
    /// (<c>WHERE tenant = X</c>) and for the catalog checks. It never runs the operations under test.
    /// </summary>
    public required string OracleConnectionString { get; init; }

    /// <summary>How many generated cases to run. Default 100.</summary>
    public int Cases { get; init; } = 100;

    /// <summary>At most how many tenants a case has (at least 2). Default 3.</summary>
    public int MaxTenants { get; init; } = 3;

    /// <summary>At most how many rows each tenant starts with in each table. Default 3.</summary>
    public int MaxRowsPerTenant { get; init; } = 3;

    /// <summary>At most how many operations each tenant runs in a case. Default 8.</summary>
    public int MaxOperations { get; init; } = 8;

    /// <summary>The operation kinds to generate. Default <see cref="IsolationOperations.All"/>.</summary>
    public IsolationOperations Operations { get; init; } = IsolationOperations.All;

    /// <summary>
    /// Replays a run: the <c>Replay</c> string of a <see cref="TenantIsolationException"/> (<c>"seed,gamma,size"</c>).
    /// The failing case is generated first and shrunk again to the same counterexample.
    /// </summary>
    public string? Replay { get; init; }

    /// <summary>
    /// A connection string through PgBouncer (transaction pooling) for the app role. When set, every other case runs
    /// through it, so that a binding that leaks across server connections is caught.
    /// </summary>
    public string? PgBouncerConnectionString { get; init; }

    /// <summary>Whether the tenants of a case run their operations concurrently over the pool. Default true.</summary>
    public bool Concurrent { get; init; } = true;

    /// <summary>The most physical connections the kit's own pools use (the PgBouncer pool). Small on purpose: tenants take turns on them. Default 3.</summary>
    public int MaxPoolSize { get; init; } = 3;

    /// <summary>The kind of tenant id to generate; by default the data source's, else the tenant column's type.</summary>
    public TenantIdKind? TenantKind { get; init; }

    /// <summary>Whether the catalog is checked before any case runs (RLS forced, policies, role attributes). Default true.</summary>
    public bool CheckCatalog { get; init; } = true;

    /// <summary>
    /// Unique keys and foreign keys between tenant tables that do not include the tenant column: they are checked
    /// without row-level security, so they leak whether another tenant's row exists. Default <see cref="IsolationSeverity.Error"/>.
    /// </summary>
    public IsolationSeverity KeysWithoutTenant { get; init; } = IsolationSeverity.Error;

    /// <summary>
    /// Stops starting new cases after this long (the first case always runs); the report says how many ran. Default 5
    /// minutes; <c>null</c> for no limit.
    /// </summary>
    public TimeSpan? TimeBudget { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Receives progress and warnings, one line at a time (for example <c>TestContext.Current.TestOutputHelper.WriteLine</c>).</summary>
    public Action<string>? Log { get; init; }

    internal void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(OracleConnectionString), nameof(OracleConnectionString), "set it to a superuser or BYPASSRLS connection string");
        Require(Cases >= 1, nameof(Cases), "use at least 1");
        Require(MaxTenants >= 2, nameof(MaxTenants), "use at least 2: isolation needs two tenants");
        Require(MaxRowsPerTenant is >= 0 and <= 100, nameof(MaxRowsPerTenant), "use 0 to 100");
        Require(MaxOperations is >= 1 and <= 200, nameof(MaxOperations), "use 1 to 200");
        Require(MaxPoolSize >= 1, nameof(MaxPoolSize), "use at least 1");
        Require((Operations & IsolationOperations.All) != 0, nameof(Operations), "choose at least one kind");
        Require(TimeBudget is null || TimeBudget > TimeSpan.Zero, nameof(TimeBudget), "use a positive duration or null");
    }

    private static void Require(bool condition, string option, string fix)
    {
        if (!condition)
        {
            throw new ArgumentException($"IsolationOptions.{option} is out of range: {fix}.", option);
        }
    }
}
