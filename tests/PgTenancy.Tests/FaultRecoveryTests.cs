using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// After a fault on the way, the next use of the same physical connection carries no stale tenant. The pool holds
/// one connection, so the next use is on the very connection that saw the fault. Directly and through PgBouncer.
/// </summary>
public sealed class FaultRecoveryTests(OrdersFixture orders) : IClassFixture<OrdersFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await orders.ResetRowsAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static TheoryData<string, bool> Faults()
    {
        var data = new TheoryData<string, bool>();
        foreach (var fault in new[] { "error mid-batch", "error in transaction", "rollback", "rollback to savepoint", "cancelled", "backend terminated", "closed with reader open" })
        {
            data.Add(fault, false);
            data.Add(fault, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task The_next_use_after_a_fault_carries_no_stale_tenant(string fault, bool throughPgBouncer)
    {
        var inner = orders.AppDataSource(throughPgBouncer, maxPoolSize: 1);
        await using var dataSource = new TenantDataSource(inner);

        using (TenantScope.Begin(OrdersFixture.A))
        {
            await InjectAsync(fault, dataSource);
        }

        // Unbound, on the same pool: the setting is not set, so the app role sees nothing at all.
        var (setting, visible) = await PgBouncerFastFail.RetryAsync(async () =>
        {
            await using var raw = await inner.OpenConnectionAsync();
            return (await new NpgsqlCommand("SELECT coalesce(current_setting('app.tenant_id', true), '')", raw).ExecuteScalarAsync(),
                    await new NpgsqlCommand("SELECT count(*) FROM orders", raw).ExecuteScalarAsync());
        });
        Assert.Equal("", setting);
        Assert.Equal(0L, visible);

        using (TenantScope.Begin(OrdersFixture.B))
        {
            var tenants = await PgBouncerFastFail.RetryAsync(async () =>
            {
                await using var connection = await dataSource.OpenConnectionAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT array_agg(DISTINCT tenant_id::text) FROM orders";
                return (string[])(await command.ExecuteScalarAsync())!;
            });
            Assert.Equal([OrdersFixture.B.Value], tenants);
        }
    }

    private async Task InjectAsync(string fault, TenantDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        switch (fault)
        {
            case "error mid-batch":
                await using (var batch = connection.CreateBatch())
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT count(*) FROM orders"));
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT 1 / 0"));
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT 2"));
                    await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteNonQueryAsync());
                }

                break;
            case "error in transaction":
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    command.CommandText = "UPDATE orders SET amount = 0";
                    await command.ExecuteNonQueryAsync();
                    command.CommandText = "SELECT 1 / 0";
                    await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
                    await transaction.RollbackAsync();
                }

                break;
            case "rollback":
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    command.CommandText = "DELETE FROM orders";
                    Assert.Equal(OrdersFixture.RowsPerTenant, await command.ExecuteNonQueryAsync());
                    await transaction.RollbackAsync();
                }

                break;
            case "rollback to savepoint":
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    await transaction.SaveAsync("before_delete");
                    command.CommandText = "DELETE FROM orders";
                    await command.ExecuteNonQueryAsync();
                    await transaction.RollbackAsync("before_delete");
                    await transaction.CommitAsync();
                }

                Assert.Equal(OrdersFixture.RowsPerTenant, (await orders.CountsAsync())[OrdersFixture.A.Value]);
                break;
            case "cancelled":
                command.CommandText = "SELECT count(*) FROM orders, pg_sleep(10)";
                using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
                {
                    await Assert.ThrowsAnyAsync<Exception>(() => command.ExecuteNonQueryAsync(cancel.Token));
                }

                break;
            case "backend terminated":
                command.CommandText = "SELECT pg_backend_pid() FROM orders LIMIT 1";
                var pid = (int)(await command.ExecuteScalarAsync())!;
                await Db.ExecuteAsync(orders.Database.AdminConnectionString, $"SELECT pg_terminate_backend({pid}, 5000)");
                command.CommandText = "SELECT count(*) FROM orders";
                await Assert.ThrowsAnyAsync<Exception>(async () =>
                {
                    // Through PgBouncer the client may be handed a fresh server connection and succeed: then try until it fails or gives up.
                    for (var i = 0; i < 3; i++)
                    {
                        await command.ExecuteNonQueryAsync();
                    }

                    throw new InvalidOperationException("no failure surfaced, the server connection was replaced");
                });
                break;
            case "closed with reader open":
                command.CommandText = "SELECT id FROM orders";
                var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                await connection.CloseAsync();
                Assert.True(reader.IsClosed);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, null);
        }
    }
}
