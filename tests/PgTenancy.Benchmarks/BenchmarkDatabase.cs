using Npgsql;
using PgTenancy.Testing;
using PgTenancy.TestSupport;

namespace PgTenancy.Benchmarks;

/// <summary>
/// A 100k-row, 100-tenant table under the policy EnableTenantIsolation emits on a throwaway server with PgBouncer, the binding installed,
/// and three ways in: the app role (RLS applies), a BYPASSRLS baseline role (the "no RLS" reference), each directly
/// and through PgBouncer.
/// </summary>
internal sealed class BenchmarkDatabase : IAsyncDisposable
{
    public const int Tenants = 100;
    public const int RowsPerTenant = 1000;

    /// <summary>The key the signed variants sign with, installed in the benchmark database.</summary>
    public static readonly TenantSigningKey SigningKey = TenantSigningKey.Generate(1);
    private const string BaselinePassword = "baseline-password-for-benchmarks";

    private readonly PostgresServer _server;
    private readonly TestDatabase _database;
    private readonly List<NpgsqlDataSource> _dataSources = [];
    private readonly LoopbackProxy? _directProxy;
    private readonly LoopbackProxy? _pgBouncerProxy;

    private BenchmarkDatabase(PostgresServer server, TestDatabase database, Guid[] tenants, TimeSpan latency)
    {
        _server = server;
        _database = database;
        TenantIds = tenants;
        if (latency > TimeSpan.Zero)
        {
            _directProxy = new LoopbackProxy(new NpgsqlConnectionStringBuilder(database.AppConnectionString).Port, latency);
            _pgBouncerProxy = new LoopbackProxy(server.PgBouncerPort, latency);
        }
    }

    public Guid[] TenantIds { get; }

    /// <summary>Connection string settings added to every pool (the benchmark's <c>--connection</c>).</summary>
    public string ExtraSettings { get; init; } = "";

    public string ServerDescription => _server.Describe();

    /// <summary>The postmaster's PID: the server's CPU time is that of its process tree.</summary>
    public int PostmasterPid => _server.ProcessIds[0];

    /// <summary>PgBouncer's PID.</summary>
    public int PgBouncerPid => _server.ProcessIds[^1];

    /// <summary>The largest number of connections each pool opens.</summary>
    public int PoolSize { get; init; } = 4;

    public static async Task<BenchmarkDatabase> CreateAsync(TimeSpan latency, string extraSettings = "", int poolSize = 4)
    {
        var server = await PostgresServer.StartAsync(b => b.WithPgBouncer());
        try
        {
            return await PopulateAsync(server, latency, extraSettings, poolSize);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static async Task<BenchmarkDatabase> PopulateAsync(PostgresServer server, TimeSpan latency, string extraSettings, int poolSize)
    {
        var database = await server.CreateDatabaseAsync("bench");
        var tenants = Enumerable.Range(1, Tenants).Select(i => new Guid($"{i:x8}-0000-4000-8000-000000000000")).ToArray();
        var policy = new TenantIsolationPolicy("items", "tenant_id") { Schema = "public", AppRoles = [database.AppRole] };
        // The same rows under a verified policy, for the signed binding (docs/security.md).
        var verifiedPolicy = new TenantIsolationPolicy("signed_items", "tenant_id") { Schema = "public", AppRoles = [database.AppRole], Verified = true };
        await using (var owner = NpgsqlDataSource.Create(database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallVerificationAsync(owner);
            await TenantSigningKeys.AddAsync(owner, SigningKey);
        }

        await ExecuteAsync(database.OwnerConnectionString, $"""
            CREATE TABLE public.items (tenant_id uuid NOT NULL, id bigint NOT NULL, payload text NOT NULL, PRIMARY KEY (tenant_id, id));
            {policy.EnableSql()}
            GRANT SELECT ON public.items TO "{database.AppRole}";
            CREATE TABLE public.signed_items (LIKE public.items INCLUDING ALL);
            {verifiedPolicy.EnableSql()}
            GRANT SELECT ON public.signed_items TO "{database.AppRole}";
            CREATE TABLE public.notes (tenant_id uuid NOT NULL, id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);
            {new TenantIsolationPolicy("notes", "tenant_id") { Schema = "public", AppRoles = [database.AppRole] }.EnableSql()}
            CREATE TABLE public.signed_notes (LIKE public.notes INCLUDING ALL);
            {new TenantIsolationPolicy("signed_notes", "tenant_id") { Schema = "public", AppRoles = [database.AppRole], Verified = true }.EnableSql()}
            GRANT SELECT, INSERT ON public.notes, public.signed_notes TO "{database.AppRole}";
            {BindShapeVariants.PlpgsqlProcedureSql}
            """);
        await ExecuteAsync(database.AdminConnectionString, $"""
            INSERT INTO public.items SELECT t, g, md5(t::text || g) FROM unnest(ARRAY[{string.Join(",", tenants.Select(t => $"'{t}'::uuid"))}]) t, generate_series(1, {RowsPerTenant}) g;
            INSERT INTO public.signed_items SELECT * FROM public.items;
            ANALYZE public.items, public.signed_items;
            CREATE ROLE bench_baseline LOGIN NOSUPERUSER BYPASSRLS PASSWORD '{BaselinePassword}';
            GRANT CONNECT ON DATABASE bench TO bench_baseline;
            GRANT SELECT ON public.items TO bench_baseline;
            GRANT SELECT, INSERT ON public.notes TO bench_baseline;
            """);
        await server.SyncPgBouncerUsersAsync();
        await using (var owner = NpgsqlDataSource.Create(database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner);
        }

        return new BenchmarkDatabase(server, database, tenants, latency) { ExtraSettings = extraSettings, PoolSize = poolSize };
    }

    /// <summary>A pool for the app role (RLS applies) or the baseline role (BYPASSRLS), directly or through PgBouncer.</summary>
    /// <remarks><see cref="ExtraSettings"/> (e.g. <c>Max Auto Prepare=20</c>) are applied to every pool, baseline included.</remarks>
    public NpgsqlDataSource DataSource(bool baselineRole, bool throughPgBouncer)
    {
        var builder = new NpgsqlConnectionStringBuilder(_database.ConnectionString(TestRole.App, throughPgBouncer) + ";" + ExtraSettings) { MaxPoolSize = PoolSize };
        if ((throughPgBouncer ? _pgBouncerProxy : _directProxy) is { } proxy)
        {
            builder.Port = proxy.Port;
        }

        if (baselineRole)
        {
            builder.Username = "bench_baseline";
            builder.Password = BaselinePassword;
        }

        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        _dataSources.Add(dataSource);
        return dataSource;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        foreach (var proxy in new[] { _directProxy, _pgBouncerProxy })
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }
        }

        await _database.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync();
    }
}
