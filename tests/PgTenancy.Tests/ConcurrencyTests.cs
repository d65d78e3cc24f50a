using System.Collections.Concurrent;
using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// Many workers, each switching between random tenants, share a pool of at most three physical connections (and,
/// through PgBouncer, a handful of server connections). Every read belongs to the worker's current tenant, every
/// write lands in it, cross-tenant writes change nothing, and inserting another tenant's id is refused.
/// </summary>
public sealed class ConcurrencyTests(OrdersFixture orders) : IClassFixture<OrdersFixture>, IAsyncLifetime
{
    private const int Workers = 32;
    private const int OperationsPerWorker = 80;

    public async ValueTask InitializeAsync() => await orders.ResetRowsAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_workers_over_three_connections_never_see_or_touch_another_tenant(bool throughPgBouncer)
    {
        await orders.ResetRowsAsync();
        await using var dataSource = new TenantDataSource(orders.AppDataSource(throughPgBouncer, maxPoolSize: 3));
        var inserted = new ConcurrentDictionary<string, int>();
        var violations = new ConcurrentQueue<string>();
        var operations = 0;

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var i = 0; i < OperationsPerWorker; i++)
            {
                var tenant = OrdersFixture.Tenants[random.Next(OrdersFixture.Tenants.Length)];
                var other = OrdersFixture.Tenants.First(t => t != tenant);
                using var scope = TenantScope.Begin(tenant);
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var command = connection.CreateCommand();
                switch (random.Next(5))
                {
                    case 0 or 1:
                        command.CommandText = "SELECT tenant_id::text FROM orders";
                        await using (var reader = await command.ExecuteReaderAsync())
                        {
                            while (await reader.ReadAsync())
                            {
                                if (reader.GetString(0) != tenant.Value)
                                {
                                    violations.Enqueue($"worker {worker} as {tenant} read a row of {reader.GetString(0)}");
                                }
                            }
                        }

                        break;
                    case 2:
                        command.CommandText = "INSERT INTO orders VALUES (@t, @id, 1)";
                        command.Parameters.AddWithValue("t", Guid.Parse(tenant.Value));
                        command.Parameters.AddWithValue("id", 1_000_000L + (worker * 10_000L) + i);
                        await command.ExecuteNonQueryAsync();
                        inserted.AddOrUpdate(tenant.Value, 1, (_, n) => n + 1);
                        break;
                    case 3:
                        command.CommandText = random.Next(2) == 0
                            ? "UPDATE orders SET amount = -1 WHERE tenant_id = @other"
                            : "DELETE FROM orders WHERE tenant_id = @other";
                        command.Parameters.AddWithValue("other", Guid.Parse(other.Value));
                        var affected = await command.ExecuteNonQueryAsync();
                        if (affected != 0)
                        {
                            violations.Enqueue($"worker {worker} as {tenant} changed {affected} rows of {other}");
                        }

                        break;
                    default:
                        command.CommandText = "INSERT INTO orders VALUES (@other, @id, 1)";
                        command.Parameters.AddWithValue("other", Guid.Parse(other.Value));
                        command.Parameters.AddWithValue("id", 2_000_000L + (worker * 10_000L) + i);
                        try
                        {
                            await command.ExecuteNonQueryAsync();
                            violations.Enqueue($"worker {worker} as {tenant} inserted a row for {other}");
                        }
                        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
                        {
                        }

                        break;
                }

                Interlocked.Increment(ref operations);
            }
        }, TestContext.Current.CancellationToken)));

        var counts = await orders.CountsAsync();
        Assert.Empty(violations);
        Assert.Equal(Workers * OperationsPerWorker, operations);
        foreach (var tenant in OrdersFixture.Tenants)
        {
            Assert.Equal(OrdersFixture.RowsPerTenant + inserted.GetValueOrDefault(tenant.Value), counts[tenant.Value]);
            Assert.Equal(0L, await Db.ScalarAsync<long>(orders.Database.AdminConnectionString,
                $"SELECT count(*) FROM orders WHERE tenant_id = '{tenant}' AND amount < 0"));
        }
    }
}
