using Npgsql;

namespace PgTenancy.Benchmarks;

/// <summary>One way of reading a tenant's rows, as a web request would: take a pooled connection, query, return it.</summary>
/// <param name="Pattern">How the tenant is applied.</param>
/// <param name="Query">"point" (one row by primary key), "range10" (ten rows by key range) or "save1" (SaveChanges of one new row).</param>
/// <param name="Endpoint">"direct" or "PgBouncer".</param>
/// <param name="Run">One operation for a tenant and a key; returns the rows read or written, which must be 10 for range10, else 1.</param>
internal sealed record Variant(string Pattern, string Query, string Endpoint, Func<Guid, long, Task<int>> Run)
{
    public const string Baseline = "baseline: no RLS, WHERE tenant_id = $1";

    /// <summary>The unsigned binding through ADO.NET, the reference of the signed ÷ unsigned ratio.</summary>
    public const string Bound = "TenantDataSource (RLS)";

    /// <summary>The unsigned binding through EF Core, the same reference for SaveChanges.</summary>
    public const string BoundEf = "UseTenancy() (RLS)";

    /// <summary>The signed binding through ADO.NET.</summary>
    public const string Signed = "TenantDataSource, signed tenant (RLS, verified policy)";

    /// <summary>Whether this is the unsigned binding of its group.</summary>
    public bool IsUnsignedBinding => Pattern is Bound or BoundEf;

    public string Group => $"{Query}, {Endpoint}";
}

internal static class Variants
{
    private const string PointWhere = "id = @id";
    private const string RangeWhere = "id BETWEEN @id AND @id + 9";

    public static List<Variant> All(BenchmarkDatabase bench)
    {
        var variants = new List<Variant>();
        foreach (var throughPgBouncer in new[] { false, true })
        {
            var endpoint = throughPgBouncer ? "PgBouncer" : "direct";
            var baseline = bench.DataSource(baselineRole: true, throughPgBouncer);
            var app = bench.DataSource(baselineRole: false, throughPgBouncer);
            var bound = new TenantDataSource(app);
            var named = new TenantDataSource(app, new TenancyOptions { TenantInApplicationName = true });
            var signed = new TenantDataSource(app, new TenancyOptions { SigningKey = BenchmarkDatabase.SigningKey });
            foreach (var (query, where) in new[] { ("point", PointWhere), ("range10", RangeWhere) })
            {
                variants.Add(new Variant(Variant.Baseline, query, endpoint, (tenant, id) => BaselineAsync(baseline, where, tenant, id)));
                variants.Add(new Variant(Variant.Bound, query, endpoint, (tenant, id) => BoundAsync(bound, where, tenant, id)));
                variants.Add(new Variant("TenantDataSource + tenant in application_name (RLS)", query, endpoint, (tenant, id) => BoundAsync(named, where, tenant, id)));
                variants.Add(new Variant(Variant.Signed, query, endpoint, (tenant, id) => BoundAsync(signed, where, tenant, id, "signed_items")));
                variants.Add(new Variant("session SET on every open (RLS)", query, endpoint, (tenant, id) => SessionSetAsync(app, where, tenant, id)));
                variants.Add(new Variant("BEGIN; SET LOCAL; …; COMMIT (RLS)", query, endpoint, (tenant, id) => SetLocalAsync(app, where, tenant, id)));
            }

            variants.AddRange(SaveChangesVariants.For(baseline, app, endpoint));
            variants.AddRange(BindShapeVariants.For(app, endpoint, direct: !throughPgBouncer));
        }

        return variants;
    }

    private static async Task<int> BaselineAsync(NpgsqlDataSource dataSource, string where, Guid tenant, long id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand($"SELECT payload FROM items WHERE tenant_id = @tenant AND {where}", connection);
        command.Parameters.AddWithValue("tenant", tenant);
        command.Parameters.AddWithValue("id", id);
        return await CountAsync(command);
    }

    private static async Task<int> BoundAsync(TenantDataSource dataSource, string where, Guid tenant, long id, string table = "items")
    {
        using var scope = TenantScope.Begin(TenantId.From(tenant));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT payload FROM {table} WHERE {where}";
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        return await RowsAsync(reader);
    }

    // The naive pattern: a session-level setting on every open. (Unsafe behind PgBouncer; measured for speed only.)
    private static async Task<int> SessionSetAsync(NpgsqlDataSource dataSource, string where, Guid tenant, long id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var set = new NpgsqlCommand("SELECT set_config('app.tenant_id', @tenant, false)", connection))
        {
            set.Parameters.AddWithValue("tenant", tenant.ToString());
            await set.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand($"SELECT payload FROM items WHERE {where}", connection);
        command.Parameters.AddWithValue("id", id);
        return await CountAsync(command);
    }

    // The other naive pattern: an explicit transaction around SET LOCAL and the query.
    private static async Task<int> SetLocalAsync(NpgsqlDataSource dataSource, string where, Guid tenant, long id)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var set = new NpgsqlCommand($"SET LOCAL app.tenant_id = '{tenant}'", connection, transaction))
        {
            await set.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand($"SELECT payload FROM items WHERE {where}", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        var rows = await CountAsync(command);
        await transaction.CommitAsync();
        return rows;
    }

    private static async Task<int> CountAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        return await RowsAsync(reader);
    }

    /// <summary>Reads every row of the reader's current result, as an application would, and counts them.</summary>
    public static async Task<int> RowsAsync(System.Data.Common.DbDataReader reader)
    {
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
        }

        return rows;
    }
}
