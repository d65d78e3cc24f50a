using Npgsql;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Tests;

/// <summary>
/// The binding travels in the caller's batch: a bound read costs exactly as many round trips as the same read sent
/// by plain Npgsql. Counted on the wire by a proxy, not assumed.
/// </summary>
public sealed class RoundTripTests(OrdersFixture orders) : IClassFixture<OrdersFixture>
{
    private const int Executions = 20;

    private static async Task<long> CountRoundTripsAsync(LoopbackProxy proxy, Func<Task> execute)
    {
        await execute(); // warm: type loading and the role check happen once per physical connection
        proxy.Reset();
        for (var i = 0; i < Executions; i++)
        {
            await execute();
        }

        return proxy.RoundTrips;
    }

    [Theory]
    [InlineData("SELECT amount FROM orders WHERE id = @id")]
    [InlineData("SELECT id, amount FROM orders WHERE id BETWEEN @id AND @id + 9 ORDER BY id")]
    public async Task A_bound_read_costs_no_extra_round_trip(string sql)
    {
        var (proxy, connectionString) = LoopbackProxy.InFrontOf(orders.Database.AppConnectionString);
        await using var _ = proxy;
        await using var inner = NpgsqlDataSource.Create(connectionString);
        await using var dataSource = new TenantDataSource(inner);
        using var scope = TenantScope.Begin(OrdersFixture.A);

        // Plain Npgsql on the same pool; as the app role without a binding, it sees no rows, but its traffic is the baseline.
        var plain = await CountRoundTripsAsync(proxy, async () =>
        {
            await using var connection = await inner.OpenConnectionAsync();
            await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new("id", 1L) } };
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }
        });
        var bound = await CountRoundTripsAsync(proxy, async () =>
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("id", 1L);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = 0;
            while (await reader.ReadAsync())
            {
                rows++;
            }

            Assert.True(rows > 0);
        });

        Assert.Equal(Executions, plain);
        Assert.Equal(plain, bound);
    }

    [Fact]
    public async Task A_bound_write_costs_no_extra_round_trip_either()
    {
        var (proxy, connectionString) = LoopbackProxy.InFrontOf(orders.Database.AppConnectionString);
        await using var _ = proxy;
        await using var inner = NpgsqlDataSource.Create(connectionString);
        await using var dataSource = new TenantDataSource(inner);
        using var scope = TenantScope.Begin(OrdersFixture.B);
        await using var connection = await dataSource.OpenConnectionAsync();

        var bound = await CountRoundTripsAsync(proxy, async () =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE orders SET amount = amount WHERE id = $1";
            command.Parameters.Add(new NpgsqlParameter { Value = 1L });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        });

        Assert.Equal(Executions, bound);
    }
}
