using Microsoft.EntityFrameworkCore;
using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>
/// The shop schema made by EF Core as the owner, both tables under ENABLE + FORCE row-level security for the app
/// role, the binding installed, and three tenants' orders seeded by the superuser.
/// </summary>
public sealed class ShopFixture(ServerFixture server) : IAsyncLifetime
{
    public const int OrdersPerTenant = 5;

    public static readonly TenantId A = TenantId.Parse("aaaaaaaa-0000-4000-8000-00000000000a");
    public static readonly TenantId B = TenantId.Parse("bbbbbbbb-0000-4000-8000-00000000000b");
    public static readonly TenantId C = TenantId.Parse("cccccccc-0000-4000-8000-00000000000c");
    public static readonly TenantId[] Tenants = [A, B, C];

    private static readonly string[] TenantTables = ["orders", "order_lines"];
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private TestDatabase? _database;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("not initialised");

    public PostgresServer Server => server.Server;

    public async ValueTask InitializeAsync()
    {
        _database = await server.Server.CreateDatabaseAsync();
        await using (var owner = new ShopContext(new DbContextOptionsBuilder<ShopContext>().UseNpgsql(Database.OwnerConnectionString).Options))
        {
            await owner.Database.EnsureCreatedAsync();
        }

        var policies = string.Join('\n', TenantTables.Select(table =>
            new TenantIsolationPolicy(table, "TenantId") { Schema = "public", AppRoles = [Database.AppRole] }.EnableSql()));
        await Db.ExecuteAsync(Database.OwnerConnectionString, $"""
            {policies}
            GRANT SELECT, INSERT, UPDATE, DELETE ON orders, order_lines TO "{Database.AppRole}";
            GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{Database.AppRole}";
            """);
        await using (var owner = NpgsqlDataSource.Create(Database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner);
        }

        // A role for audited cross-tenant work: BYPASSRLS, DML only, not the owner.
        await Db.ExecuteAsync(Database.AdminConnectionString, $"""
            CREATE ROLE "{BypassRole}" LOGIN NOSUPERUSER BYPASSRLS PASSWORD '{BypassPassword}';
            GRANT CONNECT ON DATABASE "{Database.Name}" TO "{BypassRole}";
            GRANT SELECT, INSERT, UPDATE, DELETE ON orders, order_lines TO "{BypassRole}";
            GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{BypassRole}";
            """);
        await ResetAsync();
    }

    /// <summary>Puts back the seeded rows: 5 orders per tenant (customer "c1".."c5", amount 1..5), one line each.</summary>
    public Task ResetAsync() => Db.ExecuteAsync(Database.AdminConnectionString, $"""
        TRUNCATE orders, order_lines RESTART IDENTITY;
        INSERT INTO orders ("TenantId", "Customer", "Amount")
          SELECT t::uuid, 'c' || g, g FROM unnest(ARRAY['{A}', '{B}', '{C}']) t, generate_series(1, {OrdersPerTenant}) g ORDER BY t, g;
        INSERT INTO order_lines ("TenantId", "OrderId", "Product") SELECT "TenantId", "Id", 'p' || "Id" FROM orders;
        """);

    /// <summary>Options for the app role with PgTenancy, directly or through PgBouncer.</summary>
    public DbContextOptions<ShopContext> AppOptions(bool throughPgBouncer = false, int maxPoolSize = 3, Action<DbContextOptionsBuilder<ShopContext>>? configure = null)
    {
        var dataSource = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(Database.ConnectionString(TestRole.App, throughPgBouncer)) { MaxPoolSize = maxPoolSize }.ConnectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        var builder = new DbContextOptionsBuilder<ShopContext>();
        builder.UseNpgsql(dataSource).UseTenancy();
        configure?.Invoke(builder);
        return builder.Options;
    }

    public ShopContext App() => new(AppOptions());

    /// <summary>The id of one of <paramref name="tenant"/>'s orders, read as that tenant: a key another tenant then aims at.</summary>
    public async Task<long> AnOrderIdOfAsync(TenantId tenant)
    {
        using var scope = TenantScope.Begin(tenant);
        await using var context = App();
        return (await context.Orders.FirstAsync()).Id;
    }

    /// <summary>Options for another context type over the same database, as the app role with PgTenancy.</summary>
    public DbContextOptions<TContext> AppOptionsFor<TContext>(Action<Infrastructure.TenancyDbContextOptionsBuilder> tenancy)
        where TContext : DbContext
    {
        var dataSource = NpgsqlDataSource.Create(Database.AppConnectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        return new DbContextOptionsBuilder<TContext>().UseNpgsql(dataSource).UseTenancy(tenancy).Options;
    }

    private const string BypassPassword = "bypass-role-password-for-tests";

    private string BypassRole => Database.Name + "_bypass";

    /// <summary>A data source for the BYPASSRLS role (disposed with the fixture).</summary>
    public NpgsqlDataSource BypassDataSource()
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.AppConnectionString) { Username = BypassRole, Password = BypassPassword };
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        return dataSource;
    }

    /// <summary>Orders per tenant as the superuser (no RLS): what really is in the table.</summary>
    public async Task<Dictionary<Guid, long>> CountsAsync(string table = "orders")
    {
        await using var connection = await Db.OpenAsync(Database.AdminConnectionString);
        await using var command = new NpgsqlCommand($"SELECT \"TenantId\", count(*) FROM {table} GROUP BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<Guid, long>();
        while (await reader.ReadAsync())
        {
            counts[reader.GetGuid(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public static Guid Id(TenantId tenant) => Guid.Parse(tenant.Value);

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        if (_database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await Db.ExecuteAsync(Database.AdminConnectionString.Replace($"Database={Database.Name}", "Database=postgres", StringComparison.Ordinal),
                $"DROP DATABASE IF EXISTS \"{Database.Name}\" WITH (FORCE); DROP ROLE IF EXISTS \"{BypassRole}\"");
            await _database.DisposeAsync();
        }
    }
}
