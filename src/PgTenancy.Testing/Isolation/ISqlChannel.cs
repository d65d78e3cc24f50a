namespace PgTenancy.Testing.Isolation;

/// <summary>A statement under test: SQL with positional text parameters (<c>$1</c>…), each cast in the SQL to its column's type.</summary>
internal sealed record Statement(string Sql, IReadOnlyList<string?> Parameters)
{
    public override string ToString() =>
        Parameters.Count == 0 ? Sql : $"{Sql}  -- {string.Join(", ", Parameters.Select((p, i) => $"${i + 1} = {(p is null ? "NULL" : "'" + p + "'")}"))}";
}

/// <summary>
/// How the kit sends SQL as the app role for the tenant in scope: through the user's data source, or through the
/// user's DbContext (so that EF Core's interceptors bind it). Every column is read as text.
/// </summary>
internal interface ISqlChannel
{
    /// <summary>Runs one statement; returns its rows (empty for a statement without rows).</summary>
    Task<List<string?[]>> QueryAsync(Statement statement, CancellationToken cancellationToken);

    /// <summary>Runs one statement without rows (no RETURNING, as an attacker would send it); returns the rows affected.</summary>
    Task<int> ExecuteAsync(Statement statement, CancellationToken cancellationToken);

    /// <summary>
    /// The same app role on the same path (direct or through PgBouncer), with no binding at all: a plain connection, as
    /// a leaked password or a code path that bypasses PgTenancy would use.
    /// </summary>
    ISqlChannel Unbound { get; }

    /// <summary>Runs statements in one batch (one round trip, one implicit transaction); returns each one's rows.</summary>
    Task<List<List<string?[]>>> BatchAsync(IReadOnlyList<Statement> statements, CancellationToken cancellationToken);
}
