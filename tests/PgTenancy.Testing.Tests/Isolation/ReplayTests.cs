using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Testing.Tests.Isolation;

/// <summary>A failure's replay string reruns the failing case first and shrinks it to the same counterexample.</summary>
public sealed class ReplayTests(ServerFixture fixture)
{
    [Fact]
    public async Task A_failing_replay_string_reproduces_the_same_counterexample()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ["notes"],
            mutation: """DROP POLICY tenant_isolation ON public.notes; CREATE POLICY open ON public.notes FOR ALL TO "{app}" USING (true) WITH CHECK (true);""");
        IsolationOptions Options(string? replay) => new()
        {
            OracleConnectionString = shop.Database.AdminConnectionString,
            Cases = 100,
            CheckCatalog = false,
            Concurrent = false,
            Replay = replay,
        };

        var first = await Assert.ThrowsAsync<TenantIsolationException>(() => TenantIsolation.VerifyAsync(shop.App(), shop.Tables, Options(null)));
        var replayed = await Assert.ThrowsAsync<TenantIsolationException>(() => TenantIsolation.VerifyAsync(shop.App(), shop.Tables, Options(first.Replay)));

        Assert.NotNull(first.Replay);
        Assert.Contains("after 1 case(s)", replayed.Message, StringComparison.Ordinal);
        Assert.Equal(Counterexample(first.Message), Counterexample(replayed.Message));
    }

    [Fact]
    public async Task A_malformed_replay_string_is_refused_with_the_expected_form()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ["notes"]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => TenantIsolation.VerifyAsync(shop.App(), shop.Tables, new IsolationOptions
        {
            OracleConnectionString = shop.Database.AdminConnectionString,
            Replay = "(12, 34)",
        }));

        Assert.Contains("seed,gamma,size", error.Message, StringComparison.Ordinal);
    }

    /// <summary>From the cause to the expected and actual rows: what a replay must reproduce exactly.</summary>
    private static string Counterexample(string message) =>
        message[message.IndexOf("Cause:", StringComparison.Ordinal)..message.IndexOf("Replay:", StringComparison.Ordinal)];
}
