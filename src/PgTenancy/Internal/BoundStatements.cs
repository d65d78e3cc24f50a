using System.Data;
using Npgsql;

namespace PgTenancy.Internal;

/// <summary>
/// Builds, for one execution, the Npgsql command or batch that carries the bind statement in front of the caller's
/// statements, in one round trip. Two shapes, because Npgsql parses SQL two ways:
/// <list type="bullet">
/// <item>named or no parameters: the bind is prefixed to the SQL text with a named parameter, and Npgsql splits the
/// text into statements as usual (so multi-statement SQL keeps working);</item>
/// <item>positional parameters (<c>$1</c>) or a stored procedure: a batch of two commands, the bind and the caller's
/// statement, each with its own parameters (positional SQL cannot be prefixed without renumbering it).</item>
/// </list>
/// The caller's parameters are cloned, never moved, so the caller's command stays exactly as it was built.
/// </summary>
internal static class BoundStatements
{
    public static bool NeedsBatch(CommandType commandType, NpgsqlParameterCollection parameters)
    {
        if (commandType == CommandType.TableDirect)
        {
            throw new NotSupportedException("CommandType.TableDirect is not supported on a tenant-bound command: use CommandType.Text with 'SELECT * FROM the_table'.");
        }

        return commandType == CommandType.StoredProcedure
            || (parameters.Count > 0 && parameters.All(p => string.IsNullOrEmpty(p.ParameterName)));
    }

    public static NpgsqlCommand PrefixedCommand(
        TenantBinder binder, string tenantValue, NpgsqlCommand template, NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        var command = new NpgsqlCommand(binder.NamedBindPrefix + template.CommandText, connection, transaction)
        {
            CommandTimeout = template.CommandTimeout,
            AllResultTypesAreUnknown = template.AllResultTypesAreUnknown,
            UnknownResultTypeList = template.UnknownResultTypeList,
        };
        CopyParameters(template.Parameters, command.Parameters);
        command.Parameters.Add(TenantBinder.TenantParameter(tenantValue, TenantBinder.TenantParameterName));
        return command;
    }

    public static NpgsqlBatch BatchedCommand(
        TenantBinder binder, string tenantValue, NpgsqlCommand template, NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        var statement = new NpgsqlBatchCommand(template.CommandText) { CommandType = template.CommandType };
        CopyParameters(template.Parameters, statement.Parameters);
        var batch = new NpgsqlBatch(connection, transaction) { Timeout = template.CommandTimeout };
        batch.BatchCommands.Add(binder.BindBatchCommand(tenantValue));
        batch.BatchCommands.Add(statement);
        return batch;
    }

    /// <summary>Copies values of output parameters back to the caller's parameters after a non-query or scalar execution.</summary>
    public static void CopyOutputValues(NpgsqlParameterCollection executed, NpgsqlParameterCollection caller)
    {
        for (var i = 0; i < caller.Count; i++)
        {
            if (caller[i].Direction != ParameterDirection.Input)
            {
                caller[i].Value = executed[i].Value;
            }
        }
    }

    private static void CopyParameters(NpgsqlParameterCollection from, NpgsqlParameterCollection to)
    {
        foreach (NpgsqlParameter parameter in from)
        {
            to.Add(parameter.Clone());
        }
    }
}
