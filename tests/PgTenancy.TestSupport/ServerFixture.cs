using PgTenancy.Testing;

namespace PgTenancy.TestSupport;

/// <summary>
/// The server of a test assembly (register it with <c>[assembly: AssemblyFixture(typeof(ServerFixture))]</c>): started by
/// the first test that asks for it, so tests that need no server run without one. TLS 1.3, SCRAM, pgaudit and PgBouncer
/// are required, so a machine without them fails the tests that use the server with the install command instead of
/// passing tests that did not run. <c>./test.sh</c> installs them.
/// </summary>
public sealed class ServerFixture : PostgresServerFixture
{
    protected override PostgresServerBuilder Configure(PostgresServerBuilder builder) => builder.WithPgBouncer().WithPgAudit(required: true);
}
