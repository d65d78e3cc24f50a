using PgTenancy.Testing.Local;
using Xunit;

namespace PgTenancy.Testing.Tests;

/// <summary>The user-facing xUnit fixture: a server shared by the tests that ask for it, started once, stopped at the end.</summary>
public sealed class PostgresServerFixtureTests
{
    [Fact]
    public async Task A_fixture_no_test_asks_for_starts_no_server()
    {
        var fixture = new CountingFixture();

        await fixture.InitializeAsync();
        await fixture.DisposeAsync();

        Assert.Equal(0, fixture.Builds);
    }

    [Fact]
    public async Task Concurrent_first_uses_start_one_server_and_dispose_stops_it()
    {
        var fixture = new CountingFixture();
        await fixture.InitializeAsync();

        var servers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(fixture.GetServerAsync)));
        var pids = servers[0].ProcessIds.ToList();
        var sameAsSync = ReferenceEquals(servers[0], fixture.Server);
        await fixture.DisposeAsync();

        Assert.Equal(1, fixture.Builds);
        Assert.All(servers, s => Assert.Same(servers[0], s));
        Assert.True(sameAsSync);
        Assert.NotEmpty(pids);
        Assert.Empty(await ProcessLiveness.WaitForExitAsync(pids, TimeSpan.FromSeconds(5)));
    }

    private sealed class CountingFixture : PostgresServerFixture
    {
        private int _builds;

        public int Builds => Volatile.Read(ref _builds);

        protected override PostgresServerBuilder Configure(PostgresServerBuilder builder)
        {
            Interlocked.Increment(ref _builds);
            return builder;
        }
    }
}
