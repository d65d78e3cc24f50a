using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// A database with one tenant table, <c>orders</c>, under ENABLE + FORCE row-level security and the policy EnableTenantIsolation emits
/// for the app role (which does not own it), the binding installed by the owner, and rows of three tenants seeded
/// by the superuser. Tests connect as the app role, directly or through PgBouncer.
/// </summary>
public sealed class OrdersFixture(ServerFixture server) : IAsyncLifetime
{
    public const int RowsPerTenant = 10;

    public static readonly TenantId A = TenantId.Parse("aaaaaaaa-0000-4000-8000-000000000001");
    public static readonly TenantId B = TenantId.Parse("bbbbbbbb-0000-4000-8000-000000000002");
    public static readonly TenantId C = TenantId.Parse("cccccccc-0000-4000-8000-000000000003");
    public static readonly TenantId[] Tenants = [A, B, C];

    private readonly List<NpgsqlDataSource> _dataSources = [];
    private TestDatabase? _database;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("not initialised");

    public PostgresServer Server => server.Server;

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync();
        var policy = new TenantIsolationPolicy("orders", "tenant_id") { Schema = "public", AppRoles = [Database.AppRole] };
        await Db.ExecuteAsync(Database.OwnerConnectionString, $"""
            CREATE TABLE public.orders (
                tenant_id uuid NOT NULL,
                id bigint NOT NULL,
                amount int NOT NULL,
                PRIMARY KEY (tenant_id, id));
            {policy.EnableSql()}
            GRANT SELECT, INSERT, UPDATE, DELETE ON public.orders TO "{Database.AppRole}";
            CREATE SEQUENCE public.probe;
            GRANT USAGE, SELECT ON SEQUENCE public.probe TO "{Database.AppRole}";
            CREATE PROCEDURE public.add_order(tenant uuid, order_id bigint, value int) LANGUAGE sql
              AS $$ INSERT INTO public.orders VALUES (tenant, order_id, value) $$;
            GRANT EXECUTE ON PROCEDURE public.add_order(uuid, bigint, int) TO "{Database.AppRole}";
            """);
        await using (var owner = NpgsqlDataSource.Create(Database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner);
        }

        await ResetRowsAsync();
    }

    /// <summary>Puts back the seeded rows: ids 1..10 for each tenant, amount = id.</summary>
    public Task ResetRowsAsync() => Db.ExecuteAsync(Database.AdminConnectionString, $"""
        TRUNCATE public.orders;
        INSERT INTO public.orders SELECT t::uuid, g, g FROM unnest(ARRAY['{A}', '{B}', '{C}']) t, generate_series(1, {RowsPerTenant}) g;
        """);

    /// <summary>An Npgsql data source for the app role (disposed with the fixture).</summary>
    public NpgsqlDataSource AppDataSource(bool throughPgBouncer = false, int maxPoolSize = 3)
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.ConnectionString(TestRole.App, throughPgBouncer)) { MaxPoolSize = maxPoolSize };
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        return dataSource;
    }

    /// <summary>The tenant data source over a new app-role pool.</summary>
    public TenantDataSource BoundDataSource(bool throughPgBouncer = false, int maxPoolSize = 3, TenancyOptions? options = null) =>
        new(AppDataSource(throughPgBouncer, maxPoolSize), options);

    /// <summary>Counts rows per tenant as the superuser (no RLS): the oracle for what really is in the table.</summary>
    public Task<Dictionary<string, long>> CountsAsync() =>
        Db.CountsAsync(Database.AdminConnectionString, "SELECT tenant_id::text, count(*) FROM public.orders GROUP BY 1");

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
