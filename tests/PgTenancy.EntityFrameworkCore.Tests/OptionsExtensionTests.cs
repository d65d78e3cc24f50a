using System.Reflection;
using Microsoft.EntityFrameworkCore;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;
using PgTenancy.EntityFrameworkCore.Metadata;
using Xunit;

// The options extension is EF infrastructure (an Internal namespace); this test is about exactly that infrastructure.
#pragma warning disable EF1001

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>
/// EF Core shares one internal service provider between contexts whose extensions say they may: every setting of
/// UseTenancy() must keep two different configurations apart, and equal ones together.
/// </summary>
public sealed class OptionsExtensionTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public void Every_binding_option_keeps_its_contexts_on_their_own_service_provider()
    {
        var baseline = new TenancyOptionsExtension();
        var options = typeof(TenancyOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();

        Assert.NotEmpty(options);
        foreach (var option in options)
        {
            var changed = baseline.WithOptions(With(TenancyOptions.Default, option));

            Assert.False(baseline.Info.ShouldUseSameServiceProvider(changed.Info), $"TenancyOptions.{option.Name} does not change the service provider.");
            Assert.False(changed.Info.ShouldUseSameServiceProvider(baseline.Info), $"TenancyOptions.{option.Name} does not change the service provider.");
        }
    }

    [Fact]
    public void Every_model_setting_keeps_its_contexts_on_their_own_service_provider()
    {
        var baseline = new TenancyOptionsExtension();
        TenancyOptionsExtension[] changed =
        [
            baseline.WithTenantPropertyConvention("TenantId"),
            baseline.WithQueryFilter(true),
            baseline.WithKeyValidation(TenantKeyValidation.Error),
        ];

        Assert.All(changed, c => Assert.False(baseline.Info.ShouldUseSameServiceProvider(c.Info)));
    }

    [Fact]
    public void Equal_options_built_twice_share_one_service_provider()
    {
        var first = new TenancyOptionsExtension().WithOptions(new TenancyOptions { TenantKind = TenantIdKind.BigInt, TenantInApplicationName = true });
        var second = new TenancyOptionsExtension().WithOptions(new TenancyOptions { TenantKind = TenantIdKind.BigInt, TenantInApplicationName = true })
            .WithBypassReason("a per-context setting, read per context");

        Assert.True(first.Info.ShouldUseSameServiceProvider(second.Info));
        Assert.Equal(first.Info.GetServiceProviderHashCode(), second.Info.GetServiceProviderHashCode());
    }

    [Fact]
    public async Task Two_contexts_that_differ_only_in_one_option_each_bind_with_their_own()
    {
        // The same context type, one after the other: the second must not run with the first one's binding.
        await using var plain = new ShopContext(shop.AppOptions());
        await using var named = new ShopContext(shop.AppOptions(configure: b => b.UseTenancy(t => t.TenantInApplicationName())));
        using var scope = TenantScope.Begin(ShopFixture.A);

        var plainName = await ApplicationNameAsync(plain);
        var namedName = await ApplicationNameAsync(named);

        Assert.NotEqual($"tenant:{ShopFixture.A}", plainName);
        Assert.Equal($"tenant:{ShopFixture.A}", namedName);
    }

    private static Task<string> ApplicationNameAsync(ShopContext context) =>
        context.Database.SqlQueryRaw<string>("SELECT current_setting('application_name') AS \"Value\"").SingleAsync();

    // A valid value other than the default for each kind of option; a new kind of option fails here until it is added.
    private static TenancyOptions With(TenancyOptions options, PropertyInfo option)
    {
        var current = option.GetValue(options);
        object other = option.PropertyType switch
        {
            var t when t == typeof(string) => option.Name == nameof(TenancyOptions.SettingName) ? "other.tenant" : "other_schema",
            var t when t == typeof(bool) => !(bool)current!,
            var t when t.IsEnum => Enum.GetValues(t).Cast<object>().First(v => !v.Equals(current)),
            var t when t == typeof(ITenantAccessor) => new FixedTenantAccessor(),
            var t when t == typeof(TenantSigningKey) => TenantSigningKey.Generate(1),
            var t when t == typeof(TimeSpan) => (TimeSpan)current! + TimeSpan.FromMinutes(1),
            _ => throw new InvalidOperationException($"Add a value for TenancyOptions.{option.Name} ({option.PropertyType.Name}) to this test."),
        };

        var copy = options with { };
        option.SetValue(copy, other);
        copy.Validate();
        return copy;
    }

    private sealed class FixedTenantAccessor : ITenantAccessor
    {
        public TenantId? CurrentTenant => ShopFixture.A;
    }
}
