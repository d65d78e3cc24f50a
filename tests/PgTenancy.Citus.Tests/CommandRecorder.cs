using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace PgTenancy.Citus.Tests;

/// <summary>Keeps the SQL and parameters of the last query EF Core ran, to EXPLAIN it on the cluster.</summary>
public sealed class CommandRecorder : DbCommandInterceptor
{
    public (string Sql, NpgsqlParameter[] Parameters)? Last { get; private set; }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Last = (command.CommandText, [.. command.Parameters.Cast<NpgsqlParameter>().Select(p => p.Clone())]);
        return ValueTask.FromResult(result);
    }
}
