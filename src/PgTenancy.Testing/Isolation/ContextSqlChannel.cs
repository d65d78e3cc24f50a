using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// Sends the kit's SQL through the application's DbContext (<c>Database.SqlQueryRaw</c>), so that EF Core's tenancy
/// interceptor binds it. Each row comes back as one JSON object (<c>row_to_json</c>) and is split into its text columns.
/// </summary>
internal sealed partial class ContextSqlChannel<TContext>(IDbContextFactory<TContext> factory, string? connectionString) : ISqlChannel
    where TContext : DbContext
{
    /// <summary>
    /// A copy of the context's connection (same data source and credentials), used without the context: ADO.NET
    /// commands on it pass no EF Core interceptor, so nothing binds them.
    /// </summary>
    public ISqlChannel Unbound => new DataSourceChannel(async cancellationToken =>
    {
        var context = await ContextFactory.CreateAsync(factory, connectionString, cancellationToken).ConfigureAwait(false);
        NpgsqlConnection copy;
        await using (context.ConfigureAwait(false))
        {
            copy = (NpgsqlConnection)((ICloneable)context.Database.GetDbConnection()).Clone();
        }

        await copy.OpenAsync(cancellationToken).ConfigureAwait(false);
        return copy;
    });

    public async Task<List<string?[]>> QueryAsync(Statement statement, CancellationToken cancellationToken)
    {
        var context = await ContextFactory.CreateAsync(factory, connectionString, cancellationToken).ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            return await QueryAsync(context, statement, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<int> ExecuteAsync(Statement statement, CancellationToken cancellationToken)
    {
        var context = await ContextFactory.CreateAsync(factory, connectionString, cancellationToken).ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            return await context.Database.ExecuteSqlRawAsync(Named(statement.Sql), Parameters(statement), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Raw SQL through EF Core has no batch API: the statements run one after another on one context. EF Core's own
    /// batching is what <see cref="OperationKind.EfSaveChanges"/> exercises.
    /// </summary>
    public async Task<List<List<string?[]>>> BatchAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken)
    {
        var context = await ContextFactory.CreateAsync(factory, connectionString, cancellationToken).ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            var results = new List<List<string?[]>>();
            foreach (var statement in statements)
            {
                results.Add(await QueryAsync(context, statement, cancellationToken).ConfigureAwait(false));
            }

            return results;
        }
    }

    private static async Task<List<string?[]>> QueryAsync(TContext context, Statement statement, CancellationToken cancellationToken)
    {
        var parameters = Parameters(statement);
        // The kit's own SQL, with every value in a parameter: nothing from outside is spliced into the text.
        var sql = "WITH q AS (" + Named(statement.Sql) + ") SELECT row_to_json(q)::text AS \"Value\" FROM q";
        var json = await context.Database
            .SqlQueryRaw<string>(sql, parameters)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. json.Select(Columns)];
    }

    /// <summary>EF Core names the parameters of raw SQL, so the statement's positional <c>$n</c> become <c>@pn</c>.</summary>
    private static string Named(string sql) => PositionalParameter().Replace(sql, "@p$1");

    private static object[] Parameters(Statement statement) =>
        [.. statement.Parameters.Select((p, i) => (object)new NpgsqlParameter($"p{i + 1}", NpgsqlDbType.Text) { Value = (object?)p ?? DBNull.Value })];

    [System.Text.RegularExpressions.GeneratedRegex(@"\$(\d+)")]
    private static partial System.Text.RegularExpressions.Regex PositionalParameter();

    private static string?[] Columns(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetString())];
    }
}
