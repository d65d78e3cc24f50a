using Npgsql;
using PgTenancy.TestSupport;

namespace PgTenancy.Testing.Tests.Isolation;

/// <summary>
/// A five-table shop in a fresh database, the way the guide says to build it: composite keys with the tenant column,
/// a customer → order → order line chain of foreign keys that include the tenant, unique keys per tenant, ENABLE +
/// FORCE row-level security with the PgTenancy policy for the app role (which does not own the tables), the binding
/// installed by the owner. A mutation (SQL run as the superuser afterwards) breaks one thing for the kit to find.
/// </summary>
internal sealed class ShopModel : IAsyncDisposable
{
    public static readonly string[] AllTables = ["customers", "orders", "order_lines", "invoices", "notes"];

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

    public static async Task<ShopModel> CreateAsync(PostgresServer server, TenantIdKind kind = TenantIdKind.Uuid, string mutation = "", string[]? tables = null)
    {
        tables ??= AllTables;
        var database = await server.CreateDatabaseAsync();
        var tenancy = new TenancyOptions { TenantKind = kind, RefuseBypassRoles = false };
        var type = kind switch { TenantIdKind.Uuid => "uuid", TenantIdKind.BigInt => "bigint", _ => "text" };
        var policies = string.Join("\n", tables.Select(t =>
            new TenantIsolationPolicy(t, "tenant_id") { Schema = "public", TenantKind = kind, AppRoles = [database.AppRole] }.EnableSql()));
        await Db.ExecuteAsync(database.OwnerConnectionString, $"""
            {string.Join("\n", tables.Select(t => Ddl(t, type)))}
            {policies}
            {TenantRoles.GrantDml(database.AppRole, "public")}
            """);
        await using (var owner = NpgsqlDataSource.Create(database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner, tenancy);
        }

        if (mutation.Length > 0)
        {
            await Db.ExecuteAsync(database.AdminConnectionString, mutation.Replace("{app}", database.AppRole, StringComparison.Ordinal).Replace("{owner}", database.OwnerRole, StringComparison.Ordinal));
        }

        return new ShopModel(database, tenancy, tables);
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

    private static string Ddl(string table, string tenantType) => table switch
    {
        "customers" => $"""
            CREATE TABLE public.customers (
                tenant_id {tenantType} NOT NULL,
                id bigint GENERATED ALWAYS AS IDENTITY,
                name text NOT NULL,
                email text NOT NULL,
                PRIMARY KEY (tenant_id, id),
                CONSTRAINT customers_email_per_tenant UNIQUE (tenant_id, email));
            """,
        "orders" => $"""
            CREATE TABLE public.orders (
                tenant_id {tenantType} NOT NULL,
                id int NOT NULL,
                customer_id bigint NOT NULL,
                amount numeric(10, 2) NOT NULL,
                placed_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (tenant_id, id),
                FOREIGN KEY (tenant_id, customer_id) REFERENCES public.customers (tenant_id, id));
            """,
        "order_lines" => $"""
            CREATE TABLE public.order_lines (
                tenant_id {tenantType} NOT NULL,
                order_id int NOT NULL,
                line_no int NOT NULL,
                sku text NOT NULL,
                quantity int NOT NULL,
                PRIMARY KEY (tenant_id, order_id, line_no),
                FOREIGN KEY (tenant_id, order_id) REFERENCES public.orders (tenant_id, id));
            """,
        "invoices" => $"""
            CREATE TABLE public.invoices (
                tenant_id {tenantType} NOT NULL,
                id uuid NOT NULL DEFAULT gen_random_uuid(),
                number text NOT NULL,
                paid boolean NOT NULL,
                due date,
                PRIMARY KEY (tenant_id, id),
                CONSTRAINT invoices_number_per_tenant UNIQUE (tenant_id, number));
            """,
        "notes" => $"""
            CREATE TABLE public.notes (
                tenant_id {tenantType} NOT NULL,
                id text NOT NULL,
                body jsonb,
                PRIMARY KEY (tenant_id, id));
            """,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, "not a shop table"),
    };
}
