namespace PgTenancy.Testing;

/// <summary>
/// Describes a throwaway PostgreSQL server for tests, in the style of Testcontainers builders: immutable, each
/// <c>WithX()</c> returns a new builder, and <see cref="Build"/> makes the server, which <see cref="PostgresServer.StartAsync(CancellationToken)"/> starts.
/// </summary>
/// <example>
/// <code>
/// await using var server = new PostgresServerBuilder().WithPgBouncer().Build();
/// await server.StartAsync(CancellationToken.None);
/// await using var database = await server.CreateDatabaseAsync();
/// await using var connection = new NpgsqlConnection(database.ConnectionString(TestRole.App));
/// </code>
/// </example>
public sealed class PostgresServerBuilder
{
    private readonly PostgresServerSettings _settings;

    /// <summary>A builder for the default server: provider chosen automatically, pgaudit when installed, no PgBouncer.</summary>
    public PostgresServerBuilder()
        : this(new PostgresServerSettings())
    {
    }

    private PostgresServerBuilder(PostgresServerSettings settings) => _settings = settings;

    /// <summary>
    /// Uses <paramref name="provider"/> instead of the automatic order (<c>PGTENANCY_TEST_CONNECTION</c>, then a
    /// Docker engine that answers, then the local binaries). The <c>PGTENANCY_TEST_PROVIDER</c> environment variable
    /// (<c>existing</c>, <c>docker</c>, <c>local</c>) does the same without code.
    /// </summary>
    public PostgresServerBuilder WithProvider(ServerProvider provider) => new(_settings with { Provider = provider });

    /// <summary>
    /// Puts PgBouncer in front of the server: transaction pooling, SCRAM, TLS 1.3 to clients and <c>verify-full</c> TLS
    /// to the server. Needs the <c>pgbouncer</c> program and the local-binaries provider.
    /// </summary>
    public PostgresServerBuilder WithPgBouncer(bool enabled = true) =>
        new(_settings with { PgBouncer = enabled ? PgBouncerUse.Required : PgBouncerUse.None });

    /// <summary>
    /// Puts PgBouncer in front of the server when the <c>pgbouncer</c> program is installed and the provider is the
    /// local binaries; otherwise starts without it (see <see cref="PostgresServer.HasPgBouncer"/>). For demos;
    /// tests that need PgBouncer should use <see cref="WithPgBouncer"/>, which fails loudly instead.
    /// </summary>
    public PostgresServerBuilder WithPgBouncerIfInstalled() => new(_settings with { PgBouncer = PgBouncerUse.IfInstalled });

    /// <summary>Listens on <paramref name="port"/> of 127.0.0.1 instead of a free port (local-binaries provider).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The port is not between 1 and 65535.</exception>
    public PostgresServerBuilder WithPort(int port)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return new(_settings with { Port = port });
    }

    /// <summary>
    /// Preloads pgaudit (<c>pgaudit.log = 'ddl,write,role'</c>) when it is installed, the default. With
    /// <paramref name="required"/>, a machine without pgaudit fails the start instead of starting without it.
    /// </summary>
    public PostgresServerBuilder WithPgAudit(bool enabled = true, bool required = false) =>
        new(_settings with { PgAudit = enabled, PgAuditRequired = enabled && required });

    /// <summary>The image the Docker provider runs (default <c>postgres:15-bookworm</c>).</summary>
    public PostgresServerBuilder WithDockerImage(string image)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(image);
        return new(_settings with { DockerImage = image });
    }

    /// <summary>
    /// Settings appended after the hardened ones, and/or another pg_hba.conf: for tests of tools that read a server's
    /// configuration (the doctor), to weaken a server on purpose or to turn on what tests otherwise leave off (WAL
    /// archiving). Never for anything else.
    /// </summary>
    internal PostgresServerBuilder WithConfigurationOverrides(string? extraSettings, string? hba) =>
        new(_settings with { ExtraSettings = extraSettings, HbaOverride = hba });

    /// <summary>Ties the server's life to another process (tests of the orphan guard); by default, this process.</summary>
    internal PostgresServerBuilder WithOwnerProcess(int pid) => new(_settings with { OwnerPid = pid });

    /// <summary>Makes the server described so far; nothing runs until <see cref="PostgresServer.StartAsync(CancellationToken)"/>.</summary>
    public PostgresServer Build() => new(_settings);
}
