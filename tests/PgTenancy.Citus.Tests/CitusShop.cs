using System.Security.Cryptography;
using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Citus.Tests;

/// <summary>
/// A schema of its own on the cluster: <c>orders</c> and <c>order_lines</c> distributed by <c>tenant_id</c> and
/// colocated, <c>products</c> a reference table, both tenant tables under ENABLE + FORCE row-level security with the
/// subquery-free policy for an app role that owns nothing, and ten orders (one line each) for each of three tenants.
/// </summary>
public sealed class CitusShop(CitusCluster cluster) : IAsyncLifetime
{
    public const int OrdersPerTenant = 10;

    public static readonly TenantId A = TenantId.Parse("aaaaaaaa-0000-4000-8000-00000000000a");
    public static readonly TenantId B = TenantId.Parse("bbbbbbbb-0000-4000-8000-00000000000b");
    public static readonly TenantId C = TenantId.Parse("cccccccc-0000-4000-8000-00000000000c");
    public static readonly TenantId[] Tenants = [A, B, C];

    /// <summary>The tables distributed by tenant_id, under row-level security.</summary>
    public static readonly string[] TenantTables = ["orders", "order_lines"];

    private readonly string _password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
    private readonly List<NpgsqlDataSource> _dataSources = [];

    /// <summary>Whether there is a cluster (tests skip without one, through <see cref="AdminConnectionString"/>).</summary>
    public bool Configured => cluster.Configured;

    public string Schema { get; } = "pgtenancy_citus_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();

    public string AppRole => Schema + "_app";

    /// <summary>The coordinator as the superuser (skips the test without a cluster).</summary>
    public string AdminConnectionString => cluster.ConnectionString;

    /// <summary>The coordinator as the app role, the schema first on its search path.</summary>
    public string AppConnectionString => new NpgsqlConnectionStringBuilder(cluster.ConnectionString)
    {
        Username = AppRole,
        Password = _password,
        SearchPath = Schema,
    }.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        if (!cluster.Configured)
        {
            return;
        }

        var policies = string.Join('\n', TenantTables.Select(table =>
            new TenantIsolationPolicy(table, "tenant_id") { Schema = Schema, AppRoles = [AppRole], Citus = true }.EnableSql()));
        // One explicit transaction: Citus propagates the DDL of a transaction block to the workers with it; statements
        // of an implicit transaction each go on their own, and the workers would not yet see the schema.
        await Db.ExecuteAsync(AdminConnectionString, $"""
            BEGIN;
            CREATE ROLE "{AppRole}" LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD '{_password}';
            CREATE SCHEMA "{Schema}";
            SET search_path = "{Schema}";
            CREATE TABLE products (code text PRIMARY KEY, name text NOT NULL);
            CREATE TABLE orders (tenant_id uuid NOT NULL, id bigint NOT NULL, customer text NOT NULL, amount int NOT NULL, PRIMARY KEY (tenant_id, id));
            CREATE TABLE order_lines (tenant_id uuid NOT NULL, id bigint NOT NULL, order_id bigint NOT NULL, product text NOT NULL REFERENCES products (code),
              PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id));
            -- Reference tables first, and without Citus turning the local tables that refer to them into Citus-local ones
            -- (which could then not refer to distributed tables); then distributed tables, each after those it refers to.
            SET citus.enable_local_reference_table_foreign_keys = off;
            SELECT create_reference_table('products');
            SELECT create_distributed_table('orders', 'tenant_id');
            SELECT create_distributed_table('order_lines', 'tenant_id', colocate_with => 'orders');
            {policies}
            GRANT USAGE ON SCHEMA "{Schema}" TO "{AppRole}";
            GRANT SELECT ON products TO "{AppRole}";
            GRANT SELECT, INSERT, UPDATE, DELETE ON orders, order_lines TO "{AppRole}";
            INSERT INTO products VALUES ('p1', 'Pen'), ('p2', 'Paper');
            COMMIT;
            """);
        await ResetAsync();
    }

    /// <summary>Puts back the seeded rows: orders 1..10 of each tenant (amount = id), one line each.</summary>
    public Task ResetAsync() => Db.ExecuteAsync(AdminConnectionString, $"""
        SET search_path = "{Schema}";
        TRUNCATE order_lines, orders;
        INSERT INTO orders SELECT t::uuid, g, 'c' || g, g FROM unnest(ARRAY['{A}', '{B}', '{C}']) t, generate_series(1, {OrdersPerTenant}) g;
        INSERT INTO order_lines SELECT tenant_id, id, id, 'p1' FROM orders;
        """);

    /// <summary>A data source for the app role with PgTenancy's binding (Citus mode unless told otherwise), disposed with the fixture.</summary>
    public TenantDataSource AppDataSource(TenancyOptions? options = null) => Pool(AppConnectionString).WithTenancy(options ?? new TenancyOptions { Citus = true });

    /// <summary>A plain Npgsql data source, disposed with the fixture.</summary>
    public NpgsqlDataSource Pool(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        return dataSource;
    }

    /// <summary>Orders per tenant as the superuser (no RLS): what really is in the table.</summary>
    public Task<Dictionary<string, long>> CountsAsync() =>
        Db.CountsAsync(AdminConnectionString, $"SELECT tenant_id::text, count(*) FROM \"{Schema}\".orders GROUP BY 1");

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        if (cluster.Configured)
        {
            NpgsqlConnection.ClearAllPools();
            await Db.ExecuteAsync(AdminConnectionString, $"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE; DROP ROLE IF EXISTS \"{AppRole}\"");
        }
    }
}
