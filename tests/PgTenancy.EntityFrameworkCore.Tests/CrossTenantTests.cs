using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

public sealed class CrossTenantTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await shop.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Without_configuration_cross_tenant_access_is_refused()
    {
        await using var context = shop.App();

        var error = Assert.Throws<InvalidOperationException>(() => context.CreateCrossTenantContext("nightly report"));

        Assert.Contains("AllowBypass", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Cross_tenant_access_needs_a_reason(string reason)
    {
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.UseTenancy(o => o.AllowBypass(shop.BypassDataSource()))));

        var error = Assert.Throws<ArgumentException>(() => context.CreateCrossTenantContext(reason));

        Assert.Contains("reason", error.Message);
    }

    [Fact]
    public async Task A_cross_tenant_context_sees_every_tenant_and_its_use_is_logged_and_traced()
    {
        var log = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        using var listener = TraceEverything();
        using var activity = new ActivitySource("PgTenancy.Tests").StartActivity("admin screen");
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.UseLoggerFactory(loggerFactory).UseTenancy(o => o.AllowBypass(shop.BypassDataSource()))));

        await using var crossTenant = context.CreateCrossTenantContext("support ticket 4711");
        var tenants = await crossTenant.Orders.Select(o => o.TenantId).Distinct().CountAsync();
        crossTenant.Orders.Add(new Order { TenantId = ShopFixture.Id(ShopFixture.C), Customer = "admin-made" });
        await crossTenant.SaveChangesAsync();

        Assert.Equal(3, tenants);
        Assert.Equal(ShopFixture.OrdersPerTenant + 1, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.C)]);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("support ticket 4711", StringComparison.Ordinal));
        Assert.Equal(true, activity!.GetTagItem("pgtenancy.bypass"));
        Assert.Equal("support ticket 4711", activity.GetTagItem("pgtenancy.bypass.reason"));
    }

    [Fact]
    public async Task The_tenant_context_stays_bound_while_a_cross_tenant_context_is_open()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.UseTenancy(o => o.AllowBypass(shop.BypassDataSource()))));
        await using var crossTenant = context.CreateCrossTenantContext("reconciliation");

        var mine = await context.Orders.CountAsync();
        var all = await crossTenant.Orders.CountAsync();

        Assert.Equal(ShopFixture.OrdersPerTenant, mine);
        Assert.Equal(3 * ShopFixture.OrdersPerTenant, all);
    }

    [Fact]
    public async Task Each_bound_command_tags_the_tenant_on_the_current_activity_and_logs_at_debug()
    {
        var log = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        using var listener = TraceEverything();
        using var scope = TenantScope.Begin(ShopFixture.B);
        using var activity = new ActivitySource("PgTenancy.Tests").StartActivity("request");
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.UseLoggerFactory(loggerFactory)));

        await context.Orders.CountAsync();

        Assert.Equal(ShopFixture.B.Value, activity!.GetTagItem("pgtenancy.tenant_id"));
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Debug && e.Message.Contains(ShopFixture.B.Value, StringComparison.Ordinal) && e.Category == "PgTenancy.EntityFrameworkCore");
    }

    private static ActivityListener TraceEverything()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "PgTenancy.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Recorder(RecordingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((category, logLevel, formatter(state, exception)));
        }
    }
}
