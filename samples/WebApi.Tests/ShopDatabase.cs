using WebApi.Hosting;
using Xunit;

namespace WebApi.Tests;

/// <summary>
/// The app's own embedded database (<see cref="EmbeddedDatabase"/>: the server, the database "webapi" migrated by its
/// owner with the sample's migrations, a signing key, the app role and a BYPASSRLS role), shared by the tests.
/// </summary>
public sealed class ShopDatabase : IAsyncLifetime
{
    private EmbeddedDatabase? _embedded;

    private EmbeddedDatabase Embedded => _embedded ?? throw new InvalidOperationException("The database fixture has not started.");

    public PgTenancy.Testing.TestDatabase Database => Embedded.Database;

    public string BypassConnectionString => Embedded.BypassConnectionString;

    public string? PgBouncerAppConnectionString => Embedded.PgBouncerAppConnectionString;

    /// <summary>The key installed in the database; the API and the kit sign tenants with it.</summary>
    public PgTenancy.TenantSigningKey SigningKey => Embedded.SigningKey;

    /// <summary>The API connected as the app role, signing with <see cref="SigningKey"/>.</summary>
    public ShopApi Api() => new(Database.AppConnectionString, BypassConnectionString, SigningKey);

    public async ValueTask InitializeAsync() => _embedded = await EmbeddedDatabase.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }
}
