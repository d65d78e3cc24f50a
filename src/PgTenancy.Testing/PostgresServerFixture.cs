using Xunit;

namespace PgTenancy.Testing;

/// <summary>
/// An xUnit v3 fixture that shares one throwaway <see cref="PostgresServer"/> between tests, started on first use and
/// stopped (its processes by PID, its folder deleted) when the fixture is disposed. Register it for the whole test
/// assembly, so that every test class uses one server, or per class; tests that never ask for the server never start it.
/// A server that cannot start fails the tests that use it, with the reason; it is never skipped.
/// </summary>
/// <example>
/// <code>
/// [assembly: AssemblyFixture(typeof(PostgresServerFixture))]
///
/// public sealed class OrdersTests(PostgresServerFixture postgres)
/// {
///     [Fact]
///     public async Task Each_tenant_sees_its_own_orders()
///     {
///         await using var database = await (await postgres.GetServerAsync()).CreateDatabaseAsync("shop");
///         // migrate as database.OwnerConnectionString, then test as database.AppConnectionString
///     }
/// }
/// </code>
/// To configure the server, derive from it and override <see cref="Configure"/>.
/// </example>
public class PostgresServerFixture : IAsyncLifetime
{
    private readonly Lazy<Task<PostgresServer>> _server;

    /// <summary>Makes the fixture; the server starts when a test first asks for it.</summary>
    public PostgresServerFixture() => _server = new(() => PostgresServer.StartAsync(Configure), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The server, started on first use. Blocks the first caller while the server starts (about a second or two for
    /// local binaries); prefer <see cref="GetServerAsync"/> in async code.
    /// </summary>
    /// <exception cref="PostgresServerException">The server could not start; the message says why and what to do.</exception>
    public PostgresServer Server => _server.Value.ConfigureAwait(false).GetAwaiter().GetResult();

    /// <summary>The server, started on first use.</summary>
    /// <exception cref="PostgresServerException">The server could not start; the message says why and what to do.</exception>
    public Task<PostgresServer> GetServerAsync() => _server.Value;

    /// <summary>
    /// How the server is built; the default is the default server of <c>PostgresServer.StartAsync()</c>. Override to add
    /// PgBouncer, require pgaudit, pin a port or a Docker image.
    /// </summary>
    protected virtual PostgresServerBuilder Configure(PostgresServerBuilder builder) => builder;

    /// <inheritdoc/>
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>Stops and removes the server, if a test started it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server.IsValueCreated)
        {
            try
            {
                var server = await _server.Value.ConfigureAwait(false);
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch (PostgresServerException)
            {
                // It never started; StartAsync already removed what it had made, and the tests that needed it failed with the reason.
            }
        }

        GC.SuppressFinalize(this);
    }
}
