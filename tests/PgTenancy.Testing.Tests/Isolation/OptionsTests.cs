using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Testing.Tests.Isolation;

/// <summary>Bad input is refused before any case runs, with a message that names the option or object and the fix.</summary>
public sealed class OptionsTests(ServerFixture fixture)
{
    [Theory]
    [InlineData(nameof(IsolationOptions.MaxTenants), "use at least 2")]
    [InlineData(nameof(IsolationOptions.Cases), "use at least 1")]
    [InlineData(nameof(IsolationOptions.MaxOperations), "use 1 to 200")]
    public async Task Out_of_range_options_are_refused(string option, string fix)
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ["notes"]);
        var options = option switch
        {
            nameof(IsolationOptions.MaxTenants) => new IsolationOptions { OracleConnectionString = shop.Database.AdminConnectionString, MaxTenants = 1 },
            nameof(IsolationOptions.Cases) => new IsolationOptions { OracleConnectionString = shop.Database.AdminConnectionString, Cases = 0 },
            _ => new IsolationOptions { OracleConnectionString = shop.Database.AdminConnectionString, MaxOperations = 0 },
        };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => TenantIsolation.VerifyAsync(shop.App(), shop.Tables, options));

        Assert.Contains($"IsolationOptions.{option}", error.Message, StringComparison.Ordinal);
        Assert.Contains(fix, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_seed_the_schema_refuses_is_reported_with_the_servers_error_and_the_SQL()
    {
        // A rule the kit's generated rows cannot meet: every seed row is refused by the server. Reads only, so that no
        // operation writes: the only way to fail is the seed (a case that happens to seed no row passes).
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ["notes"],
            mutation: "ALTER TABLE public.notes ADD CONSTRAINT id_is_long CHECK (length(id) > 10000);");

        var options = new IsolationOptions
        {
            OracleConnectionString = shop.Database.AdminConnectionString,
            Cases = 20,
            CheckCatalog = false,
            Operations = IsolationOperations.Reads,
            Log = line => TestContext.Current.TestOutputHelper?.WriteLine(line),
        };

        var error = await Assert.ThrowsAsync<TenantIsolationException>(() => TenantIsolation.VerifyAsync(shop.App(), shop.Tables, options));
        TestContext.Current.TestOutputHelper?.WriteLine(error.Message);

        Assert.Equal("seeding", error.Oracle);
        Assert.Contains("id_is_long", error.Message, StringComparison.Ordinal);
        Assert.Contains("-- oracle role: INSERT INTO", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Sequence contains no elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oracle_role_under_RLS_is_refused()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ["notes"]);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => TenantIsolation.VerifyAsync(shop.App(), shop.Tables,
            new IsolationOptions { OracleConnectionString = shop.Database.OwnerConnectionString }));

        Assert.Contains($"connects as \"{shop.Database.OwnerRole}\", which row-level security applies to", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_table_or_tenant_column_is_named()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ["notes"]);
        var options = new IsolationOptions { OracleConnectionString = shop.Database.AdminConnectionString };

        var missing = await Assert.ThrowsAsync<InvalidOperationException>(() => TenantIsolation.VerifyAsync(shop.App(), [new TenantTable("nots")], options));
        var column = await Assert.ThrowsAsync<InvalidOperationException>(() => TenantIsolation.VerifyAsync(shop.App(), [new TenantTable("notes", "tenant")], options));

        Assert.Contains("Table \"nots\" was not found", missing.Message, StringComparison.Ordinal);
        Assert.Contains("Table \"notes\" has no column \"tenant\"", column.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_time_budget_stops_starting_cases_after_the_first_and_says_so()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, tables: ["notes"]);

        var report = await TenantIsolation.VerifyAsync(shop.App(), shop.Tables, new IsolationOptions
        {
            OracleConnectionString = shop.Database.AdminConnectionString,
            Cases = 1000,
            TimeBudget = TimeSpan.FromMilliseconds(1),
        });

        Assert.Equal(1, report.CasesRun);
        Assert.Equal(999, report.CasesSkippedByTimeBudget);
        Assert.Contains("not run (time budget)", report.ToString(), StringComparison.Ordinal);
    }
}
