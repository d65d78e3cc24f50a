using Npgsql;
using NpgsqlTypes;

namespace PgTenancy.Benchmarks;

/// <summary>
/// Candidate bind statements, each sent as Npgsql sends the binding's batch (bind, then the point select, one round
/// trip), with raw Npgsql so that only the statement differs: the procedures (SQL and PL/pgSQL bodies), a
/// <c>SELECT set_config(…)</c> whose one-row result the reader skips, and each explicitly prepared where the connection
/// allows it (directly; PgBouncer here has no prepared-statement support). Which bind is cheapest is measured here.
/// </summary>
internal static class BindShapeVariants
{
    public const string Prefix = "bind shape: ";

    /// <summary>A PL/pgSQL twin of the SQL-language bind procedure, installed for this comparison only.</summary>
    public const string PlpgsqlProcedureSql = """
        CREATE PROCEDURE public.bench_bind_uuid_plpgsql(setting_name text, tenant text) LANGUAGE plpgsql
        AS $$ BEGIN PERFORM pg_catalog.set_config(setting_name, COALESCE(NULLIF(tenant, '')::uuid::pg_catalog.text, ''), true); END $$;
        """;

    public static IEnumerable<Variant> For(NpgsqlDataSource app, string endpoint, bool direct)
    {
        var shapes = new List<(string Name, string Bind, bool Token, bool SkipResult)>
        {
            ("CALL, SQL procedure", "CALL pgtenancy.bind_uuid('app.tenant_id', $1)", false, false),
            ("CALL, PL/pgSQL procedure", "CALL public.bench_bind_uuid_plpgsql('app.tenant_id', $1)", false, false),
            ("SELECT set_config, result skipped", "SELECT pg_catalog.set_config('app.tenant_id', COALESCE(NULLIF($1, '')::uuid::pg_catalog.text, ''), true)", false, true),
            ("CALL bind_token, verified policy", "CALL pgtenancy.bind_token('app.tenant_id', $1)", true, false),
            ("SELECT set_config of the token, result skipped, verified policy", "SELECT pg_catalog.set_config('app.tenant_id', $1, true)", true, true),
        };
        foreach (var (name, bind, token, skip) in shapes)
        {
            foreach (var prepared in direct ? new[] { false, true } : [false])
            {
                var table = token ? "signed_items" : "items";
                yield return new Variant(Prefix + name + (prepared ? ", prepared" : ""), "point", endpoint,
                    (tenant, id) => RunAsync(app, bind, $"SELECT payload FROM {table} WHERE id = $1", token, skip, prepared, tenant, id));
            }
        }
    }

    private static async Task<int> RunAsync(NpgsqlDataSource app, string bind, string query, bool token, bool skipBindResult, bool prepared, Guid tenant, long id)
    {
        await using var connection = await app.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        var bindCommand = new NpgsqlBatchCommand(bind);
        var value = token ? BenchmarkDatabase.SigningKey.Sign(tenant.ToString(), connection.Database, DateTimeOffset.UtcNow.AddMinutes(5)) : tenant.ToString();
        bindCommand.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = value });
        var queryCommand = new NpgsqlBatchCommand(query);
        queryCommand.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = id });
        batch.BatchCommands.Add(bindCommand);
        batch.BatchCommands.Add(queryCommand);
        if (prepared)
        {
            await batch.PrepareAsync(); // a no-op once this physical connection has prepared the same statements
        }

        await using var reader = await batch.ExecuteReaderAsync();
        if (skipBindResult)
        {
            await reader.NextResultAsync();
        }

        return await Variants.RowsAsync(reader);
    }
}
