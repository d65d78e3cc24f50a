using Npgsql;
using PgTenancy.Testing;

namespace PgTenancy.TestSupport.RedTeam;

/// <summary>
/// A tenant table of documents, under forced RLS for the app role, in one of two postures: the policies compare the
/// tenant column with the raw setting (unsigned), or with the tenant of a verified token (verified), with the app role
/// unable to create temporary objects. Tenants A and B have three documents each.
/// </summary>
public sealed class DocumentsDatabase : IAsyncDisposable
{
    public static readonly TenantId A = TenantId.Parse("aaaaaaaa-1111-4111-8111-00000000000a");
    public static readonly TenantId B = TenantId.Parse("bbbbbbbb-2222-4222-8222-00000000000b");

    private readonly List<NpgsqlDataSource> _dataSources = [];

    private DocumentsDatabase(TestDatabase database, bool verified)
    {
        Database = database;
        Verified = verified;
    }

    public TestDatabase Database { get; }

    public bool Verified { get; }

    /// <summary>The key the application signs with (verified posture only).</summary>
    public TenantSigningKey Key { get; } = TenantSigningKey.Generate(1);

    /// <summary>
    /// The application's options — stacked statements allowed, the strongest position for an attacker: the red team
    /// shows that signing stops them; refusing them by default (the library's default) is tested on its own.
    /// </summary>
    public TenancyOptions Options => new() { SigningKey = Verified ? Key : null, AllowMultipleStatements = true };

    public static async Task<DocumentsDatabase> CreateAsync(PostgresServer server, bool verified)
    {
        var documents = new DocumentsDatabase(await server.CreateDatabaseAsync(), verified);
        await documents.SetUpAsync();
        return documents;
    }

    private async Task SetUpAsync()
    {
        var options = Options;
        await using (var owner = NpgsqlDataSource.Create(Database.OwnerConnectionString))
        {
            await TenancyInstaller.InstallAsync(owner, options);
            if (Verified)
            {
                await TenancyInstaller.InstallVerificationAsync(owner, options);
                await TenantSigningKeys.AddAsync(owner, Key, options);
            }
        }

        var policy = new TenantIsolationPolicy("documents", "tenant_id") { Schema = "public", AppRoles = [Database.AppRole], Verified = Verified };
        await Db.ExecuteAsync(Database.OwnerConnectionString, $"""
            CREATE TABLE public.documents (tenant_id uuid NOT NULL, id bigint NOT NULL, title text NOT NULL, PRIMARY KEY (tenant_id, id));
            {policy.EnableSql()}
            GRANT SELECT, INSERT, UPDATE, DELETE ON public.documents TO "{Database.AppRole}";
            """);
        if (!Verified)
        {
            // The plain posture keeps PostgreSQL's default: every role may create temporary objects.
            await Db.ExecuteAsync(Database.AdminConnectionString, $"GRANT TEMPORARY ON DATABASE \"{Database.Name}\" TO PUBLIC;");
        }
        else
        {
            // The hardened posture: no temporary objects to shadow a tenant table for a later request, and no other
            // session's query text to read.
            await Db.ExecuteAsync(Database.AdminConnectionString, TenantRoles.RevokeTemporaryFromPublic(Database.Name) + TenantRoles.HideOtherSessionsQueries());
        }

        await ResetAsync();
    }

    /// <summary>Three documents each for A and B in <c>public.documents</c>, titled "A doc 1"… and "B doc 1"…; run by a superuser.</summary>
    public static readonly string SeedSql =
        $"INSERT INTO public.documents SELECT t::uuid, g, CASE t WHEN '{A}' THEN 'A' ELSE 'B' END || ' doc ' || g FROM unnest(ARRAY['{A}', '{B}']) t, generate_series(1, 3) g;";

    public Task ResetAsync() => Db.ExecuteAsync(Database.AdminConnectionString, "TRUNCATE public.documents;\n" + SeedSql);

    /// <summary>B's documents as the superuser sees them: id and title, the oracle of reads, writes and deletes.</summary>
    public Task<string> SnapshotOfBAsync() => Db.ScalarAsync<string>(Database.AdminConnectionString,
        $"SELECT coalesce(string_agg(id || ':' || title, ',' ORDER BY id), '') FROM public.documents WHERE tenant_id = '{B}'");

    /// <summary>A small pool for the app role, directly or through PgBouncer (disposed with the database).</summary>
    public NpgsqlDataSource AppDataSource(bool throughPgBouncer)
    {
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Database.ConnectionString(TestRole.App, throughPgBouncer))
        {
            MaxPoolSize = 2,
            // Behind PgBouncer 1.18 in transaction mode: no protocol-level prepared statements, no reset on close.
            MaxAutoPrepare = 0,
            NoResetOnClose = throughPgBouncer,
        }.ConnectionString);
        lock (_dataSources)
        {
            _dataSources.Add(dataSource);
        }

        return dataSource;
    }

    /// <summary>The application's options over a new app-role pool (or <paramref name="options"/>, e.g. another key).</summary>
    public TenantDataSource BoundDataSource(bool throughPgBouncer, TenancyOptions? options = null) => new(AppDataSource(throughPgBouncer), options ?? Options);

    /// <summary>
    /// The vulnerable application: in tenant A's request, <c>SELECT tenant_id::text, id, title FROM documents WHERE
    /// title = '…'</c> with <paramref name="input"/> concatenated in. Returns every row of every result set (columns
    /// joined by <c>|</c>) and the error, if the command failed.
    /// </summary>
    public async Task<(List<string> Rows, string? Error)> RunVulnerableQueryAsync(string input, bool throughPgBouncer)
    {
        await using var dataSource = BoundDataSource(throughPgBouncer);
        var rows = new List<string>();
        using var scope = TenantScope.Begin(A);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var command = connection.CreateCommand();
#pragma warning disable CA2100 // The vulnerable application under test: concatenated on purpose.
            command.CommandText = "SELECT tenant_id::text, id, title FROM documents WHERE title = '" + input + "'";
#pragma warning restore CA2100
            await using var reader = await command.ExecuteReaderAsync();
            do
            {
                while (await reader.ReadAsync())
                {
                    rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
                }
            }
            while (await reader.NextResultAsync());
            return (rows, null);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or NotSupportedException)
        {
            return (rows, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await Database.DisposeAsync();
    }
}
