using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using PgTenancy.EntityFrameworkCore.Metadata;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

public sealed class KeyValidationTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public void A_unique_index_without_the_tenant_column_is_an_error_when_asked_for_with_the_fix()
    {
        using var context = new LeakyContext(shop.AppOptionsFor<LeakyContext>(o => o.TenantKeyValidation(TenantKeyValidation.Error)));

        var error = Assert.Throws<InvalidOperationException>(() => context.Model);

        Assert.Contains("unique index (Customer) on 'Order' leaves out TenantId", error.Message);
        Assert.Contains("HasIndex(e => new { e.TenantId, … }).IsUnique()", error.Message);
        Assert.Contains("foreign key (OrderId) from 'OrderLine' to 'Order' leaves out TenantId", error.Message);
    }

    [Fact]
    public void By_default_leaky_keys_are_logged_as_warnings()
    {
        var warnings = new List<string>();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new CollectingProvider(warnings)));
        var options = new DbContextOptionsBuilder<LeakyContext>(shop.AppOptionsFor<LeakyContext>(_ => { })).UseLoggerFactory(loggers).Options;
        using var context = new LeakyContext(options);

        _ = context.Model;

        Assert.Contains(warnings, w => w.Contains("unique index (Customer)", StringComparison.Ordinal));
    }

    [Fact]
    public void Keys_that_include_the_tenant_column_are_not_reported()
    {
        using var context = new SafeContext(shop.AppOptionsFor<SafeContext>(o => o.TenantKeyValidation(TenantKeyValidation.Error)));

        Assert.NotNull(context.Model.FindEntityType(typeof(OrderLine)));
    }

    public sealed class LeakyContext(DbContextOptions<LeakyContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<Order>(order =>
            {
                order.ToTable("orders");
                order.IsTenantScoped(o => o.TenantId);
                order.HasIndex(o => o.Customer).IsUnique();
                order.HasMany(o => o.Lines).WithOne().HasForeignKey(l => l.OrderId);
            });
            modelBuilder.Entity<OrderLine>(line => line.ToTable("order_lines").IsTenantScoped(l => l.TenantId));
        }
    }

    public sealed class SafeContext(DbContextOptions<SafeContext> options) : DbContext(options)
    {
        protected override void OnModelCreating(ModelBuilder modelBuilder)
        {
            modelBuilder.Entity<Order>(order =>
            {
                order.ToTable("orders");
                order.IsTenantScoped(o => o.TenantId);
                order.HasIndex(o => new { o.TenantId, o.Customer }).IsUnique();
                order.HasMany(o => o.Lines).WithOne().HasForeignKey(l => new { l.TenantId, l.OrderId }).HasPrincipalKey(o => new { o.TenantId, o.Id });
            });
            modelBuilder.Entity<OrderLine>(line => line.ToTable("order_lines").IsTenantScoped(l => l.TenantId));
        }
    }

    private sealed class CollectingProvider(List<string> warnings) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(warnings);

        public void Dispose()
        {
        }

        private sealed class Collector(List<string> warnings) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (warnings)
                {
                    warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}
