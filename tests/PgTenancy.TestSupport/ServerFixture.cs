using PgTenancy.Testing;
using Xunit;

namespace PgTenancy.TestSupport;

/// <summary>
/// One throwaway server per test assembly (register it with <c>[assembly: AssemblyFixture(typeof(ServerFixture))]</c>):
/// TLS 1.3, SCRAM, pgaudit and PgBouncer are required, so a machine without them fails with the install command
/// instead of passing tests that did not run. <c>./test.sh</c> installs them.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The server fixture has not started.");

    public async ValueTask InitializeAsync() =>
        _server = await PostgresServer.StartAsync(b => b.WithPgBouncer().WithPgAudit(required: true));

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
