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
                var step = new Step(worker, i, tenant, OrdersFixture.Tenants.First(t => t != tenant), random.Next(6));
                using var scope = TenantScope.Begin(tenant);

                // Through PgBouncer, a step refused by its fast-fail never reached the server: it runs again.
                var violation = await PgBouncerFastFail.RetryAsync(() => RunAsync(dataSource, step));
                if (violation is not null)
                {
                    violations.Enqueue(violation);
                }
                else if (step.Kind == 2)
                {
                    inserted.AddOrUpdate(tenant.Value, 1, (_, n) => n + 1);
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

    /// <summary>One worker step: kinds 0–1 read, 2 inserts for the tenant, 3 updates and 4 deletes the other tenant's rows, 5 inserts a row for it.</summary>
    private sealed record Step(int Worker, int Index, TenantId Tenant, TenantId Other, int Kind);

    /// <summary>Runs <paramref name="step"/> on a connection of its own; returns the isolation violation it saw, if any.</summary>
    private static async Task<string?> RunAsync(TenantDataSource dataSource, Step step)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        var who = $"worker {step.Worker} as {step.Tenant}";
        switch (step.Kind)
        {
            case 0 or 1:
                command.CommandText = "SELECT tenant_id::text FROM orders";
                await using (var reader = await command.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        if (reader.GetString(0) != step.Tenant.Value)
                        {
                            return $"{who} read a row of {reader.GetString(0)}";
                        }
                    }
                }

                return null;
            case 2:
                command.CommandText = "INSERT INTO orders VALUES (@t, @id, 1)";
                command.Parameters.AddWithValue("t", Guid.Parse(step.Tenant.Value));
                command.Parameters.AddWithValue("id", 1_000_000L + (step.Worker * 10_000L) + step.Index);
                await command.ExecuteNonQueryAsync();
                return null;
            case 3 or 4:
                command.CommandText = step.Kind == 3
                    ? "UPDATE orders SET amount = -1 WHERE tenant_id = @other"
                    : "DELETE FROM orders WHERE tenant_id = @other";
                command.Parameters.AddWithValue("other", Guid.Parse(step.Other.Value));
                var affected = await command.ExecuteNonQueryAsync();
                return affected == 0 ? null : $"{who} changed {affected} rows of {step.Other}";
            default:
                command.CommandText = "INSERT INTO orders VALUES (@other, @id, 1)";
                command.Parameters.AddWithValue("other", Guid.Parse(step.Other.Value));
                command.Parameters.AddWithValue("id", 2_000_000L + (step.Worker * 10_000L) + step.Index);
                try
                {
                    await command.ExecuteNonQueryAsync();
                    return $"{who} inserted a row for {step.Other}";
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
                {
                    return null;
                }
        }
    }
}
