using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace PgTenancy.Citus.Tests;

/// <summary>
/// EF Core in Citus mode on the cluster: every common query shape of a tenant carries the tenant as a parameter and
/// Citus routes it to one shard (EXPLAIN: <c>Task Count: 1</c>); SaveChanges writes, changes and deletes the tenant's
/// rows (in the transaction it always opens in Citus mode); each tenant reads only its own rows.
/// </summary>
public sealed partial class CitusEntityFrameworkTests(CitusShop shop) : IClassFixture<CitusShop>, IAsyncLifetime
{
    private readonly CommandRecorder _recorder = new();

    public async ValueTask InitializeAsync()
    {
        if (shop.Configured)
        {
            await shop.ResetAsync();
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string> Shapes => ["point", "range", "include", "join", "aggregate", "find", "reference join"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_tenants_query_of_every_common_shape_routes_to_one_shard_and_returns_its_rows_only(string shape)
    {
        await using var context = Context();
        foreach (var tenant in CitusShop.Tenants)
        {
            using var scope = TenantScope.Begin(tenant);
            var id = Guid.Parse(tenant.Value);
            var rows = await RunAsync(context, shape);

            Assert.NotEmpty(rows);
            Assert.All(rows, row => Assert.Equal(id, row));
            Assert.Equal(1, await TaskCountAsync());
        }
    }

    [Fact]
    public async Task Without_the_tenant_in_the_query_Citus_asks_every_shard()
    {
        await using var dataSource = shop.AppDataSource();
        using var scope = TenantScope.Begin(CitusShop.A);

        // What the explicit predicate saves: the same rows, from all 32 shards (RLS alone does not route).
        Assert.True(await ExplainTaskCountAsync(dataSource, "SELECT * FROM orders", []) > 1);
    }

    [Fact]
    public async Task SaveChanges_adds_changes_and_deletes_the_tenants_rows_only()
    {
        await using (var context = Context())
        {
            using var scope = TenantScope.Begin(CitusShop.B);
            context.Orders.Add(new CitusOrder { Id = 100, Customer = "new", Amount = 1, Lines = [new CitusOrderLine { Id = 100, Product = "p2" }] });
            await context.SaveChangesAsync();

            var order = await context.Orders.SingleAsync(o => o.Id == 1);
            order.Amount = 42;
            await context.SaveChangesAsync();

            context.Lines.Remove(await context.Lines.SingleAsync(l => l.Id == 2));
            await context.SaveChangesAsync();
        }

        await using (var context = Context())
        {
            using var scope = TenantScope.Begin(CitusShop.A);
            Assert.Null(await context.Orders.SingleOrDefaultAsync(o => o.Id == 100));
            Assert.Equal(1, (await context.Orders.SingleAsync(o => o.Id == 1)).Amount);
        }

        var counts = await shop.CountsAsync();
        Assert.Equal(CitusShop.OrdersPerTenant + 1, counts[CitusShop.B.Value]);
        Assert.Equal(CitusShop.OrdersPerTenant, counts[CitusShop.A.Value]);
    }

    [Fact]
    public async Task Raw_SQL_and_an_explicit_transaction_are_bound_on_the_workers()
    {
        await using var context = Context();
        using var scope = TenantScope.Begin(CitusShop.C);

        var raw = await context.Orders.FromSqlRaw("SELECT * FROM orders").Select(o => o.TenantId).Distinct().ToListAsync();
        var changed = await context.Database.ExecuteSqlRawAsync("UPDATE orders SET amount = amount + 1");
        await using (var transaction = await context.Database.BeginTransactionAsync())
        {
            context.Orders.Add(new CitusOrder { Id = 200, Customer = "in a transaction", Amount = 1 });
            await context.SaveChangesAsync();
            Assert.Equal(CitusShop.OrdersPerTenant + 1, await context.Orders.CountAsync());
            await transaction.RollbackAsync();
        }

        Assert.Equal([Guid.Parse(CitusShop.C.Value)], raw);
        Assert.Equal(CitusShop.OrdersPerTenant, changed);
        Assert.Equal(CitusShop.OrdersPerTenant, await context.Orders.CountAsync());
        Assert.Equal(CitusShop.OrdersPerTenant, (await shop.CountsAsync())[CitusShop.C.Value]);
    }

    private static async Task<List<Guid>> RunAsync(CitusShopContext context, string shape) => shape switch
    {
        "point" => await context.Orders.Where(o => o.Id == 3).Select(o => o.TenantId).ToListAsync(),
        "range" => await context.Orders.Where(o => o.Id >= 2 && o.Id <= 5).Select(o => o.TenantId).ToListAsync(),
        "include" => (await context.Orders.Include(o => o.Lines).AsNoTracking().ToListAsync()).SelectMany(o => o.Lines.Select(l => l.TenantId).Append(o.TenantId)).ToList(),
        "join" => await (from o in context.Orders
                         join l in context.Lines on new { o.TenantId, o.Id } equals new { l.TenantId, Id = l.OrderId }
                         select l.TenantId).ToListAsync(),
        "aggregate" => await context.Orders.GroupBy(o => o.TenantId).Select(g => g.Key).ToListAsync(),
        "find" => [(await context.Orders.AsNoTracking().FirstAsync(o => o.Id == 4 && o.Customer == "c4")).TenantId],
        "reference join" => await (from l in context.Lines
                                   join p in context.Products on l.Product equals p.Code
                                   where p.Name == "Pen"
                                   select l.TenantId).ToListAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown query shape"),
    };

    /// <summary>EXPLAIN of the query EF Core just ran, with its parameters, as the same tenant: Citus's task count.</summary>
    private async Task<int> TaskCountAsync()
    {
        var (sql, parameters) = _recorder.Last ?? throw new InvalidOperationException("EF Core ran no query.");
        await using var dataSource = shop.AppDataSource();
        return await ExplainTaskCountAsync(dataSource, sql, parameters);
    }

    private static async Task<int> ExplainTaskCountAsync(TenantDataSource dataSource, string sql, Npgsql.NpgsqlParameter[] parameters)
    {
        await using var command = dataSource.CreateCommand("EXPLAIN " + sql);
        command.Parameters.AddRange(parameters);
        var plan = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        var counts = plan.Select(line => TaskCount().Match(line)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(counts.Count > 0, "no Citus plan (Task Count) in:\n" + string.Join('\n', plan));
        return counts.Max();
    }

    private CitusShopContext Context() => new(new DbContextOptionsBuilder<CitusShopContext>()
        .UseNpgsql(shop.Pool(shop.AppConnectionString))
        .UseTenancy(o => o.Citus())
        .AddInterceptors(_recorder)
        .Options);

    [GeneratedRegex(@"Task Count: (\d+)")]
    private static partial Regex TaskCount();
}
