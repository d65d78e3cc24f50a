using System.Net.Http.Json;
using Npgsql;
using PgTenancy;
using Xunit;

namespace WebApi.Tests;

/// <summary>
/// The API signs each statement's tenant, and the policies trust only a verified one: the app role's password with a
/// tenant set by hand reaches no row, an app signing with a key the database does not hold reads nothing, and an app
/// configured without a key does not start.
/// </summary>
public sealed class SignedTenantTests(ShopDatabase shop) : IAsyncLifetime
{
    private readonly ShopApi _api = shop.Api();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Fact]
    public async Task The_app_roles_password_with_a_tenant_set_by_hand_reads_and_changes_no_row()
    {
        var tenant = Guid.NewGuid();
        using var ann = await _api.ClientAsync("ann", tenant);
        (await ann.PostAsJsonAsync("/orders", new { customer = "Acme", total = 40m }, Cancel)).EnsureSuccessStatusCode();
        Assert.Single((await ann.GetFromJsonAsync<List<OrderRow>>("/orders", Cancel))!);

        await using var stolen = new NpgsqlConnection(shop.Database.AppConnectionString);
        await stolen.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(
            "SELECT set_config('app.tenant_id', @tenant, false); SELECT count(*) FROM orders; UPDATE orders SET customer = 'stolen'", stolen);
        command.Parameters.AddWithValue("tenant", tenant.ToString());
        await using (var reader = await command.ExecuteReaderAsync(Cancel))
        {
            await reader.NextResultAsync(Cancel);
            await reader.ReadAsync(Cancel);
            Assert.Equal(0, reader.GetInt64(0));
            await reader.NextResultAsync(Cancel);
            Assert.Equal(0, reader.RecordsAffected);
        }

        Assert.Equal(0, await Db.CountAsync(shop.Database.AdminConnectionString, "SELECT count(*) FROM orders WHERE customer = 'stolen'"));
    }

    [Fact]
    public async Task An_app_signing_with_a_key_the_database_does_not_hold_reads_nothing_and_writes_nothing()
    {
        var tenant = Guid.NewGuid();
        using (var ann = await _api.ClientAsync("ann", tenant))
        {
            (await ann.PostAsJsonAsync("/orders", new { customer = "Acme", total = 40m }, Cancel)).EnsureSuccessStatusCode();
        }

        await using var forger = new ShopApi(shop.Database.AppConnectionString, shop.BypassConnectionString, TenantSigningKey.Generate(shop.SigningKey.Id));
        using var eve = await forger.ClientAsync("eve", tenant);

        Assert.Empty((await eve.GetFromJsonAsync<List<OrderRow>>("/orders", Cancel))!);
        Assert.False((await eve.PostAsJsonAsync("/orders", new { customer = "Planted", total = 1m }, Cancel)).IsSuccessStatusCode);
        Assert.Equal(0, await Db.CountAsync(shop.Database.AdminConnectionString, "SELECT count(*) FROM orders WHERE customer = 'Planted'"));
    }

    [Fact]
    public async Task Without_a_signing_key_the_app_refuses_to_start_and_says_which_setting_to_set()
    {
        await using var keyless = new ShopApi(shop.Database.AppConnectionString, shop.BypassConnectionString, signingKey: null);

        var refused = Assert.ThrowsAny<Exception>(() => keyless.CreateClient());

        Assert.Contains("PgTenancy:SigningKey", refused.ToString(), StringComparison.Ordinal);
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private sealed record OrderRow(long Id, string Customer, decimal Total);
}
