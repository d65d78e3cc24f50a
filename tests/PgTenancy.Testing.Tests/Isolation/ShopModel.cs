using Npgsql;
using PgTenancy.TestSupport;

namespace PgTenancy.Testing.Tests.Isolation;

/// <summary>
/// The five-table shop (<see cref="ShopSchema"/>) in a fresh database; a mutation (SQL run as the superuser
/// afterwards, with <c>{app}</c> and <c>{owner}</c> replaced by the role names) breaks one thing for the kit to find.
/// </summary>
internal sealed class ShopModel : IAsyncDisposable
{
    private readonly List<NpgsqlDataSource> _pools = [];

    private ShopModel(TestDatabase database, TenancyOptions tenancy, string[] tables)
    {
        Database = database;
        Tenancy = tenancy;
        Tables = [.. tables.Select(t => new TenantTable(t))];
    }

    public TestDatabase Database { get; }

    public TenancyOptions Tenancy { get; }

    public IReadOnlyList<TenantTable> Tables { get; }

    /// <param name="extraTables">Tables the mutation creates, verified with the shop's.</param>
    public static async Task<ShopModel> CreateAsync(
        PostgresServer server, TenantIdKind kind = TenantIdKind.Uuid, string mutation = "", string[]? tables = null, string[]? extraTables = null)
    {
        tables ??= ShopSchema.Tables;
        var database = await server.CreateDatabaseAsync();
        // RefuseBypassRoles off: the BYPASSRLS mutation is for the kit to find, not for the data source's guard.
        var tenancy = new TenancyOptions { TenantKind = kind, RefuseBypassRoles = false };
        await ShopSchema.CreateAsync(database, kind, tables);

        if (mutation.Length > 0)
        {
            await Db.ExecuteAsync(database.AdminConnectionString, mutation.Replace("{app}", database.AppRole, StringComparison.Ordinal).Replace("{owner}", database.OwnerRole, StringComparison.Ordinal));
        }

        return new ShopModel(database, tenancy, [.. tables, .. extraTables ?? []]);
    }

    /// <summary>The application's data source: a small pool for the app role, bound by PgTenancy.</summary>
    public TenantDataSource App(bool throughPgBouncer = false) => Pool(throughPgBouncer).WithTenancy(Tenancy);

    public NpgsqlDataSource Pool(bool throughPgBouncer = false)
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.ConnectionString(TestRole.App, throughPgBouncer)) { MaxPoolSize = 3 };
        var pool = NpgsqlDataSource.Create(builder.ConnectionString);
        _pools.Add(pool);
        return pool;
    }

    public IsolationOptions Options(int cases = 30, bool pgBouncer = false, bool checkCatalog = true) => new()
    {
        OracleConnectionString = Database.AdminConnectionString,
        Cases = cases,
        CheckCatalog = checkCatalog,
        PgBouncerConnectionString = pgBouncer ? Database.ConnectionString(TestRole.App, throughPgBouncer: true) : null,
        Log = line => Xunit.TestContext.Current.TestOutputHelper?.WriteLine(line),
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools)
        {
            await pool.DisposeAsync();
        }

        await Database.DisposeAsync();
    }
}
