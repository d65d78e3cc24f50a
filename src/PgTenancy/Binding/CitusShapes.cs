using System.Data.Common;
using Npgsql;

namespace PgTenancy.Binding;

/// <summary>
/// The binding's shapes in Citus mode (<see cref="TenancyOptions.Citus"/>). A Citus coordinator forwards a setting to the
/// workers that run a statement's shard queries only when it is set with <c>SET LOCAL</c> inside an explicit transaction
/// block with <c>citus.propagate_set_commands = 'local'</c>: <c>set_config</c>, a session <c>SET</c> and a <c>SET LOCAL</c>
/// in a batch's implicit transaction stay on the coordinator, and the workers' policies then match no row. So an
/// execution carries, in one round trip: <c>BEGIN</c> when the caller has no transaction, the statements of
/// <see cref="BindingSql.CitusBindStatements"/>, the caller's statements, and <c>COMMIT</c> when it began the
/// transaction. The added statements return no result set and count no rows: readers and row counts are the caller's.
/// </summary>
internal sealed class CitusShapes(TenancyOptions options)
{
    private const string Begin = "BEGIN";
    private const string Commit = "COMMIT";

    /// <summary>
    /// Whether the statement runs in a transaction the caller began: its own (<paramref name="transaction"/>) or an
    /// ambient System.Transactions one the connection enlisted in. Then the binding adds no BEGIN or COMMIT, which would
    /// end the caller's transaction.
    /// </summary>
    public static bool InCallersTransaction(DbTransaction? transaction) =>
        transaction is not null || System.Transactions.Transaction.Current is not null;

    /// <summary>A batch: BEGIN (without the caller's transaction), the binding, <paramref name="statements"/>, COMMIT.</summary>
    public BoundExecution Batch(
        IEnumerable<NpgsqlBatchCommand> statements, string tenant, string boundValue, NpgsqlConnection connection, NpgsqlTransaction? transaction, int timeout)
    {
        var opens = !InCallersTransaction(transaction);
        var batch = new NpgsqlBatch(connection, transaction) { Timeout = timeout };
        if (opens)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Begin));
        }

        foreach (var bind in BindingSql.CitusBindStatements(options, tenant, boundValue))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(bind));
        }

        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(statement);
        }

        if (opens)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Commit));
        }

        return new BoundExecution(batch, bindResultFirst: false, opensTransaction: opens);
    }

    /// <summary>
    /// The SQL of <paramref name="sql"/> with the binding in front (and BEGIN … COMMIT around it when
    /// <paramref name="opens"/>), as statements of one text that Npgsql splits: for a wrapping command, and for the
    /// caller's own multi-statement SQL when <see cref="TenancyOptions.AllowMultipleStatements"/> is set.
    /// </summary>
    public string Text(string sql, string tenant, string boundValue, bool opens)
    {
        var bind = string.Join(";\n", BindingSql.CitusBindStatements(options, tenant, boundValue)) + ";\n";
        // A trailing ';' ends the caller's last statement already; "\n" ends a trailing line comment before COMMIT.
        return opens ? $"{Begin};\n{bind}{sql.TrimEnd().TrimEnd(';')}\n;{Commit}" : bind + sql;
    }

    /// <summary>The binding alone, as one text of statements: for COPY, in the caller's transaction.</summary>
    public string ForTransaction(string tenant, string boundValue) =>
        string.Join(";\n", BindingSql.CitusBindStatements(options, tenant, boundValue));

    /// <summary>The binding in front of a SaveChanges batch's SQL (in the transaction EF Core opens): the text and its statement count.</summary>
    public (string Prefix, int Statements) Prefix(string tenant, string boundValue)
    {
        var statements = BindingSql.CitusBindStatements(options, tenant, boundValue);
        return (string.Join(";\n", statements) + ";\n", statements.Count);
    }
}
