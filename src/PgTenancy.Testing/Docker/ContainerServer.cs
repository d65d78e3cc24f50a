using Npgsql;
using PgTenancy.Testing.Local;
using PgTenancy.Testing.Provisioning;
using PgTenancy.Testing.Roles;
using PgTenancy.Doctor.Hardening;
using Testcontainers.PostgreSql;

namespace PgTenancy.Testing.Docker;

/// <summary>
/// A PostgreSQL container started with Testcontainers when a Docker engine answers: TLS 1.3 with a throwaway CA,
/// SCRAM only, and a <c>pg_hba.conf</c> with <c>hostssl</c> and an explicit reject. The stock image has no pgaudit.
/// </summary>
internal sealed class ContainerServer : IServerBackend
{
    private const string AdminUser = "pgtenancy_admin";
    private const string HbaPath = "/etc/pgtenancy/pg_hba.conf";

    private readonly PostgreSqlContainer _container;
    private readonly string _folder;

    private ContainerServer(PostgreSqlContainer container, string folder, NpgsqlConnectionStringBuilder admin, bool pgAudit)
    {
        _container = container;
        _folder = folder;
        AdminConnection = admin;
        PgAuditPreloaded = pgAudit;
    }

    public ServerProvider Provider => ServerProvider.Docker;

    public NpgsqlConnectionStringBuilder AdminConnection { get; }

    public bool PgAuditPreloaded { get; }

    public string? CaCertificatePath => Path.Combine(_folder, "ca.crt");

    public string? ServerLogPath => null;

    public string? WorkingDirectory => _folder;

    public IReadOnlyList<int> ProcessIds => [];

    public static async Task<ContainerServer> StartAsync(PostgresServerSettings settings, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), "pgtenancy-docker-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var password = ScramSecret.NewPassword();
        PostgreSqlContainer? container = null;
        try
        {
            var certificates = DevCertificateAuthority.Create(["127.0.0.1", "localhost"], clientCommonName: null, TimeSpan.FromDays(7));
            var caFile = Path.Combine(folder, "ca.crt");
            var certFile = Path.Combine(folder, "server.crt");
            var keyFile = Path.Combine(folder, "server.key");
            File.WriteAllText(caFile, certificates.CaCertificate);
            File.WriteAllText(certFile, certificates.ServerCertificate);
            ClusterFolder.WritePrivate(keyFile, certificates.ServerKey);

            // Clients reach the container through Docker's port mapping, so their address is the bridge's, not
            // loopback: the container's rules accept TLS from any address and reject everything else.
            var hba = "hostssl all all all scram-sha-256\nlocal all all trust\nhost all all all reject\n";
            container = new PostgreSqlBuilder(settings.DockerImage)
                .WithUsername(AdminUser)
                .WithPassword(password)
                .WithDatabase("postgres")
                .WithSsl(certFile, keyFile)
                .WithEnvironment("POSTGRES_INITDB_ARGS", "--auth=scram-sha-256")
                .WithResourceMapping(System.Text.Encoding.UTF8.GetBytes(hba), HbaPath)
                .WithCommand("-c", $"hba_file={HbaPath}", "-c", "ssl_min_protocol_version=TLSv1.3", "-c", "password_encryption=scram-sha-256")
                .Build();
            await container.StartAsync(cancellationToken).ConfigureAwait(false);

            var admin = new NpgsqlConnectionStringBuilder(container.GetConnectionString())
            {
                Database = "postgres",
                SslMode = SslMode.VerifyCA, // the mapped host name is Docker's to choose; the CA is ours
                RootCertificate = caFile,
                Timeout = 15,
            };
            return new ContainerServer(container, folder, admin, pgAudit: false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not PostgresServerException)
        {
            if (container is not null)
            {
                await container.DisposeAsync().ConfigureAwait(false);
            }

            OrphanGuard.DeleteFolder(folder);
            throw new PostgresServerException(
                $"The Docker engine answered, but the PostgreSQL container ({settings.DockerImage}) did not start: {e.Message}. "
                + $"Set {ProviderSelection.ProviderVariable}=local to use the local binaries instead.", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _container.DisposeAsync().ConfigureAwait(false);
        OrphanGuard.DeleteFolder(_folder);
    }
}
