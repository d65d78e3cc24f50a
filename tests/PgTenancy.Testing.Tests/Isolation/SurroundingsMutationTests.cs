using System.Text.RegularExpressions;
using PgTenancy.TestSupport;
using Xunit;

namespace PgTenancy.Testing.Tests.Isolation;

/// <summary>
/// Mistakes that the shop's own policies do not show: tenant ids compared loosely, statements sent with no tenant, rows
/// outside every tenant, partitions, triggers, views and functions around the tables. Each is caught at the kit's default
/// case count with the cause named — by the operations with the catalog check off, and by the catalog where it can see
/// the mistake — and the correct variants (an audit trigger, a partitioned table) pass.
/// </summary>
public sealed class SurroundingsMutationTests(ServerFixture fixture)
{
    /// <summary>The default case count: what a user's CI runs.</summary>
    private static readonly int DefaultCases = new IsolationOptions { OracleConnectionString = "unused" }.Cases;

    public static TheoryData<string, TenantIdKind, string, string[], string> RuntimeMutations => new()
    {
        { "text tenants compared with LIKE", TenantIdKind.Text, Mutation.LikeTenant, [], "another tenant" },
        { "text tenants compared case-insensitively", TenantIdKind.Text, Mutation.LowerTenant, [], "another tenant" },
        { "text tenants matched by prefix", TenantIdKind.Text, Mutation.PrefixTenant, [], "another tenant" },
        { "text tenants compared after Unicode normalization", TenantIdKind.Text, Mutation.NormalizedTenant, [], "another tenant" },
        { "a case-insensitive collation on the tenant column", TenantIdKind.Text, Mutation.CaseInsensitiveCollation, [], "another tenant|compares different tenant ids as equal" },
        { "bigint tenants compared as text by prefix", TenantIdKind.BigInt, Mutation.DigitPrefixTenant, [], "another tenant" },
        { "uuid tenants compared on a prefix", TenantIdKind.Uuid, Mutation.UuidPrefixTenant, [], "another tenant" },
        { "no tenant bound means every tenant", TenantIdKind.Uuid, Mutation.NoTenantMeansAll, [], "no tenant bound" },
        { "a tenant pinned as the app role's default", TenantIdKind.Uuid, Mutation.RoleDefaultTenant, [], "starts with 'app.tenant_id'" },
        { "NULL-tenant rows shown to every tenant", TenantIdKind.Uuid, Mutation.NullTenantShared, [], "outside this case \\(NULL\\)" },
        { "a trigger that writes into every tenant's order with an id", TenantIdKind.Uuid, Mutation.CrossTenantTrigger, [], "changed .*rows.* in orders\\. Triggers and rules .*trigger total_order on order_lines" },
        { "a partition without row-level security", TenantIdKind.Uuid, Mutation.PartitionedEvents + Mutation.PartitionWithoutRls, ["events"], "partition of events" },
        { "a unique index on an expression without the tenant column", TenantIdKind.Uuid, Mutation.ExpressionUniqueWithoutTenant, [], "customers_lower_email(: a unique key or index that leaves out the tenant column| does not include tenant_id)" },
    };

    public static TheoryData<string, TenantIdKind, string, string[], string> CatalogMutations => new()
    {
        { "a case-insensitive collation on the tenant column", TenantIdKind.Text, Mutation.CaseInsensitiveCollation, [], "public.notes.tenant_id uses the nondeterministic collation case_insensitive" },
        { "a tenant pinned as the app role's default", TenantIdKind.Uuid, Mutation.RoleDefaultTenant, [], "sets app.tenant_id=00000000-0000-4000-8000-00000000beef" },
        { "a partition without row-level security", TenantIdKind.Uuid, Mutation.PartitionedEvents + Mutation.PartitionWithoutRls, ["events"], "Table \"events_1\" does not have row-level security enabled" },
        { "a view that reads as its owner", TenantIdKind.Uuid, Mutation.ViewAsOwner, [], "public.all_notes reads public.notes as its owner" },
        { "a SECURITY DEFINER function the app can call", TenantIdKind.Uuid, Mutation.DefinerFunction, [], "public.note_count() runs as" },
        { "a unique index on an expression without the tenant column", TenantIdKind.Uuid, Mutation.ExpressionUniqueWithoutTenant, [], "Unique index \"customers_lower_email\" on \"customers\" is on an expression without the tenant column" },
    };

    [Theory]
    [MemberData(nameof(RuntimeMutations))]
    public async Task The_operations_catch_it(string mutation, TenantIdKind kind, string sql, string[] extraTables, string cause)
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, kind, sql, extraTables: extraTables);

        var error = await Assert.ThrowsAsync<TenantIsolationException>(() =>
            TenantIsolation.VerifyAsync(shop.App(), shop.Tables, shop.Options(cases: DefaultCases, checkCatalog: false)));

        Assert.NotEqual("catalog", error.Oracle);
        Assert.True(Regex.IsMatch(error.Message, cause, RegexOptions.IgnoreCase), $"{mutation}: expected the cause '{cause}' in:\n{error.Message}");
    }

    [Theory]
    [MemberData(nameof(CatalogMutations))]
    public async Task The_catalog_oracle_names_it(string mutation, TenantIdKind kind, string sql, string[] extraTables, string cause)
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, kind, sql, extraTables: extraTables);

        var error = await Assert.ThrowsAsync<TenantIsolationException>(() => TenantIsolation.VerifyAsync(shop.App(), shop.Tables, shop.Options()));

        Assert.Equal("catalog", error.Oracle);
        Assert.True(error.Message.Contains(cause, StringComparison.Ordinal), $"{mutation}: expected '{cause}' in:\n{error.Message}");
    }

    [Theory]
    [InlineData(TenantIdKind.Uuid)]
    [InlineData(TenantIdKind.BigInt)]
    [InlineData(TenantIdKind.Text)]
    public async Task The_correct_shop_passes_with_adversarial_tenants_of_every_kind(TenantIdKind kind)
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, kind);

        var report = await TenantIsolation.VerifyAsync(shop.App(), shop.Tables, shop.Options(cases: 200));

        Assert.Equal(200, report.CasesRun);
    }

    [Fact]
    public async Task A_correct_audit_trigger_and_a_correctly_partitioned_table_pass()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, mutation: Mutation.AuditTrigger + Mutation.PartitionedEvents, extraTables: ["audit", "events"]);

        var report = await TenantIsolation.VerifyAsync(shop.App(), shop.Tables, shop.Options(cases: 200));

        Assert.Equal(200, report.CasesRun);
    }

    [Fact]
    public async Task A_required_reference_to_shared_lookup_data_is_filled_from_it()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, mutation: SharedCurrencies + "INSERT INTO public.currencies VALUES ('EUR'), ('USD');");

        var report = await TenantIsolation.VerifyAsync(shop.App(), shop.Tables, shop.Options(cases: 50));

        Assert.Equal(50, report.CasesRun);
    }

    [Fact]
    public async Task An_empty_shared_lookup_table_is_named_with_what_to_seed()
    {
        await using var shop = await ShopModel.CreateAsync(fixture.Server, mutation: SharedCurrencies);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TenantIsolation.VerifyAsync(shop.App(), shop.Tables, shop.Options(cases: 5)));

        Assert.Contains("\"orders.currency\" refers to currencies, which has no rows: the kit can write no row that refers to it. Seed currencies", error.Message, StringComparison.Ordinal);
    }

    // Shared data outside the tenant tables (a lookup table; on Citus, a reference table) that a tenant table must refer to.
    private const string SharedCurrencies = """
        CREATE TABLE public.currencies (code text PRIMARY KEY);
        ALTER TABLE public.orders ADD COLUMN currency text NOT NULL REFERENCES public.currencies (code);

        """;
}
