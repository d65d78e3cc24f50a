using WebApi.Hosting;
using Xunit;

namespace WebApi.Tests;

/// <summary>
/// The app's own embedded database (<see cref="EmbeddedDatabase"/>: the server, the database "webapi" migrated by its
/// owner with the sample's migrations, the app role and a BYPASSRLS role), shared by the tests.
/// </summary>
public sealed class ShopDatabase : IAsyncLifetime
{
    private EmbeddedDatabase? _embedded;

    private EmbeddedDatabase Embedded => _embedded ?? throw new InvalidOperationException("The database fixture has not started.");

    public PgTenancy.Testing.TestDatabase Database => Embedded.Database;

    public string BypassConnectionString => Embedded.BypassConnectionString;

    public string? PgBouncerAppConnectionString => Embedded.PgBouncerAppConnectionString;

    public async ValueTask InitializeAsync() => _embedded = await EmbeddedDatabase.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }
}
