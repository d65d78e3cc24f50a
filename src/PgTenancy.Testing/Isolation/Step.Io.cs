using Npgsql;

namespace PgTenancy.Testing.Isolation;

/// <summary>Sending SQL (recorded for the counterexample) and reading server errors.</summary>
internal sealed partial class Step
{
    private void Record(string line) => _sql.Add(line);

    private async Task<List<string?[]>> QueryAsync(Statement statement, CancellationToken cancellationToken)
    {
        Record(statement.ToString());
        return await PgBouncerRefusal.RetryAsync(() => context.Sql.QueryAsync(statement, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> ExecuteAsync(Statement statement, CancellationToken cancellationToken)
    {
        Record(statement.ToString());
        return await PgBouncerRefusal.RetryAsync(() => context.Sql.ExecuteAsync(statement, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<List<string?[]>>> BatchAsync(List<Statement> statements, CancellationToken cancellationToken)
    {
        if (statements.Count == 1)
        {
            return [await QueryAsync(statements[0], cancellationToken).ConfigureAwait(false)];
        }

        Record("-- one batch:");
        foreach (var statement in statements)
        {
            Record(statement.ToString());
        }

        return await PgBouncerRefusal.RetryAsync(() => context.Sql.BatchAsync(statements, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<string?[]>> OracleQueryAsync(Statement statement, CancellationToken cancellationToken)
    {
        Record("-- oracle role: " + statement);
        return await new DataSourceChannel(context.Oracle).QueryAsync(statement, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="action"/>; a server error (also inside EF Core's DbUpdateException) is returned, not thrown.</summary>
    private static async Task<(T? Result, PostgresException? Error)> TryAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return (await action().ConfigureAwait(false), null);
        }
        catch (Exception e) when (ServerError(e) is { } error && !PgBouncerRefusal.Is(error))
        {
            return (default, error);
        }
    }

    private static PostgresException? ServerError(Exception? e) => ExceptionChain.Find<PostgresException>(e);
}
