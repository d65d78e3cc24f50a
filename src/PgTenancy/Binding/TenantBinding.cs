using System.Data;
using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace PgTenancy.Binding;

/// <summary>
/// Where a tenant is bound: the one façade that every path that sends SQL for a tenant goes through — ADO.NET commands
/// (<see cref="TenantCommand"/>), batches (<see cref="TenantBatch"/>), COPY (<see cref="TenantConnection"/>), and in
/// PgTenancy.EntityFrameworkCore the command interceptor and the SaveChanges batch. It reads the current tenant (fail
/// closed), puts the bind statement of <see cref="BindingSql"/> in front of the caller's statements in one round trip
/// (<see cref="BoundExecution"/> hides its result), and explains the server's errors about the binding. Adding a
/// binding shape is a change in this folder.
/// </summary>
/// <remarks>
/// Two shapes:
/// <list type="bullet">
/// <item>a batch of two commands, the bind and the caller's statement, each with its own parameters: the default for
/// SQL the caller wrote, and the only shape for positional parameters (<c>$1</c>) and stored procedures. A batch
/// command holds one statement — Npgsql refuses more when it rewrites named parameters, PostgreSQL when it parses the
/// text — so stacked statements, an injection's way to run SQL of its own, are refused before anything runs;</item>
/// <item>the bind prefixed to the SQL text with a named parameter, which Npgsql splits into statements: for SQL that
/// EF Core generated (one statement, bound in place so EF's diagnostics see it), and for the caller's own multi-statement
/// SQL when <see cref="TenancyOptions.AllowMultipleStatements"/> is set.</item>
/// </list>
/// The caller's parameters are cloned, never moved, so the caller's command stays exactly as it was built.
/// </remarks>
internal sealed class TenantBinding
{
    /// <summary>The name of the parameter that carries the tenant when the bind is prefixed to named-parameter SQL.</summary>
    public const string TenantParameterName = "pgtenancy_bound_tenant_7f3c";

    private readonly string _positionalBind;
    private readonly CitusShapes? _citus;

    /// <summary>Makes a binding for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public TenantBinding(TenancyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        RoleGuard = new RoleGuard(options.RefuseBypassRoles);
        _positionalBind = BindingSql.BindStatement(options, "$1");
        NamedBindPrefix = BindingSql.BindStatement(options, "@" + TenantParameterName) + ";\n";
        _citus = options.Citus ? new CitusShapes(options) : null;
    }

    /// <summary>The options this binding binds with.</summary>
    public TenancyOptions Options { get; }

    /// <summary>Refuses roles that escape row-level security, once per physical connection.</summary>
    public RoleGuard RoleGuard { get; }

    /// <summary>The bind statement to put before named-parameter SQL that is built elsewhere (EF Core's SaveChanges batch).</summary>
    public string NamedBindPrefix { get; }

    /// <summary>
    /// In Citus mode, the binding to put before SQL that is built elsewhere and runs in a transaction already (EF Core's
    /// SaveChanges batch): its text, which takes no parameter, and how many statements it holds. <see langword="null"/>
    /// otherwise (use <see cref="NamedBindPrefix"/>).
    /// </summary>
    public (string Prefix, int Statements)? CitusPrefix(string tenant, string database) =>
        _citus?.Prefix(tenant, BoundValue(tenant, database));

    /// <summary>
    /// The tenant to bind now, as its canonical text; '' for "no tenant" when the options allow it.
    /// Throws before anything is sent when no tenant is current (the default) or the tenant's kind does not fit.
    /// </summary>
    /// <exception cref="TenantContextMissingException">No tenant is current.</exception>
    /// <exception cref="InvalidOperationException">The current tenant's kind does not fit the options' kind.</exception>
    public string CurrentTenant()
    {
        var tenant = Options.TenantAccessor.CurrentTenant;
        if (tenant is null)
        {
            return Options.MissingTenant == MissingTenantBehavior.MatchNoRows ? "" : throw new TenantContextMissingException();
        }

        return tenant.Fits(Options.TenantKind) ? tenant.Value : throw TenantKinds.Mismatch(tenant, Options.TenantKind);
    }

    /// <summary>
    /// What the bind statement sends for <paramref name="tenant"/> on a connection to <paramref name="database"/>: the
    /// tenant itself, or with a signing key a token that proves it, made now and valid for the options' lifetime.
    /// '' (no tenant) stays '', which binds no tenant either way.
    /// </summary>
    public string BoundValue(string tenant, string database) =>
        Options.SigningKey is { } key && tenant.Length > 0
            ? key.Sign(tenant, database, DateTimeOffset.UtcNow + Options.TokenLifetime)
            : tenant;

    /// <summary>A parameter carrying the tenant; typed text, so the server never has to guess.</summary>
    public static NpgsqlParameter TenantParameter(string tenant, string name = "") => new(name, NpgsqlDbType.Text) { Value = tenant };

    /// <summary>
    /// The bound execution of <paramref name="template"/>'s statements for <paramref name="tenant"/>, on
    /// <paramref name="connection"/> and <paramref name="transaction"/>; the template is not changed.
    /// </summary>
    public BoundExecution Bind(NpgsqlCommand template, string tenant, NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        if (CannotRunInTransaction(template.CommandText, out _))
        {
            return new BoundExecution(CopyOf(template, template.CommandText, connection, transaction), bindResultFirst: false);
        }

        if (_citus is not null)
        {
            var bound = BoundValue(tenant, connection.Database);
            if (NeedsBatch(template.CommandType, template.Parameters) || !Options.AllowMultipleStatements)
            {
                return _citus.Batch([StatementOf(template)], tenant, bound, connection, transaction, template.CommandTimeout);
            }

            var opens = !CitusShapes.InCallersTransaction(transaction);
            return new BoundExecution(CopyOf(template, _citus.Text(template.CommandText, tenant, bound, opens), connection, transaction), bindResultFirst: false, opensTransaction: opens);
        }

        if (NeedsBatch(template.CommandType, template.Parameters) || !Options.AllowMultipleStatements)
        {
            return new BoundExecution(BatchOf(template, tenant, connection, transaction));
        }

        var command = CopyOf(template, NamedBindPrefix + template.CommandText, connection, transaction);
        command.Parameters.Add(TenantParameter(BoundValue(tenant, connection.Database), TenantParameterName));
        return new BoundExecution(command, bindResultFirst: true);
    }

    /// <summary>
    /// Whether <paramref name="sql"/> is one statement that PostgreSQL refuses inside a transaction block (VACUUM,
    /// CREATE INDEX CONCURRENTLY…): it is sent unbound, which returns no tenant's rows (see <see cref="NonTransactionalStatement"/>).
    /// </summary>
    public static bool CannotRunInTransaction(string? sql, out string statement) => NonTransactionalStatement.Is(sql, out statement);

    /// <summary>
    /// The bound execution to run instead of EF Core running <paramref name="command"/>: the command itself, bound in
    /// place, when its SQL can carry the bind (named or no parameters), so that EF's diagnostics and a wrapping
    /// command (a profiler's, made in an interceptor's CommandCreated) see the very command that runs; otherwise a
    /// batch of the bind and a copy of the command, which is left unchanged. A wrapping command is bound through
    /// <see cref="DbCommand"/>'s own API; it cannot take the batch shape, whose statements the wrapper would not see.
    /// </summary>
    /// <exception cref="NotSupportedException">A wrapping command with positional parameters or a stored procedure.</exception>
    public BoundExecution BindInPlace(DbCommand command, string tenant, bool writtenByCaller = false)
    {
        ArgumentNullException.ThrowIfNull(command);
        // SQL written by the caller (raw SQL) goes as one statement of a batch, where stacked statements are refused;
        // SQL that EF Core generated is one statement and is bound in place, so EF's diagnostics see the command that runs.
        var needsBatch = NeedsBatch(command.CommandType, command.Parameters) || (writtenByCaller && !Options.AllowMultipleStatements && command is NpgsqlCommand);
        if (_citus is not null)
        {
            return BindInPlaceForCitus(command, tenant, needsBatch || !writtenByCaller);
        }

        if (command is NpgsqlCommand npgsql)
        {
            if (needsBatch)
            {
                var connection = npgsql.Connection
                    ?? throw new InvalidOperationException("The command has no connection to bind the tenant on.");
                return new BoundExecution(BatchOf(npgsql, tenant, connection, npgsql.Transaction));
            }

            npgsql.CommandText = NamedBindPrefix + npgsql.CommandText;
            npgsql.Parameters.Add(TenantParameter(BoundValue(tenant, npgsql.Connection?.Database ?? ""), TenantParameterName));
            return new BoundExecution(npgsql, bindResultFirst: true, ownsCommand: false);
        }

        if (needsBatch)
        {
            throw CannotBatch(command);
        }

        command.CommandText = NamedBindPrefix + command.CommandText;
        var parameter = command.CreateParameter();
        parameter.ParameterName = TenantParameterName;
        parameter.DbType = DbType.String;
        parameter.Value = BoundValue(tenant, command.Connection?.Database ?? "");
        command.Parameters.Add(parameter);
        return new BoundExecution(command, bindResultFirst: true, ownsCommand: false);
    }

    /// <summary>
    /// A batch of the bind and <paramref name="template"/>'s commands, which are the very objects executed (so their
    /// row counts and result sets are exactly what Npgsql reports without PgTenancy).
    /// </summary>
    public BoundExecution Bind(NpgsqlBatch template, string tenant, NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        if (_citus is not null)
        {
            return _citus.Batch(template.BatchCommands.Cast<NpgsqlBatchCommand>().ToList(), tenant, BoundValue(tenant, connection.Database), connection, transaction, template.Timeout);
        }

        var batch = new NpgsqlBatch(connection, transaction) { Timeout = template.Timeout };
        batch.BatchCommands.Add(BindCommand(BoundValue(tenant, connection.Database)));
        foreach (var command in template.BatchCommands)
        {
            batch.BatchCommands.Add(command);
        }

        return new BoundExecution(batch);
    }

    /// <summary>The bind statement alone, for what cannot travel in a batch (COPY): it binds for the rest of <paramref name="transaction"/>.</summary>
    public NpgsqlCommand BindForTransaction(string tenant, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        if (_citus is not null)
        {
            return new NpgsqlCommand(_citus.ForTransaction(tenant, BoundValue(tenant, connection.Database)), connection, transaction);
        }

        var command = new NpgsqlCommand(_positionalBind, connection, transaction);
        command.Parameters.Add(TenantParameter(BoundValue(tenant, connection.Database)));
        return command;
    }

    /// <summary>
    /// Turns the errors the binding causes — stacked statements refused — into errors
    /// that say what to do; <see langword="null"/> for any other error.
    /// </summary>
    public static Exception? Explain(Exception exception) => BindingErrors.Explain(exception);

    private static bool NeedsBatch(CommandType commandType, DbParameterCollection parameters)
    {
        if (commandType == CommandType.TableDirect)
        {
            throw new NotSupportedException("CommandType.TableDirect is not supported on a tenant-bound command: use CommandType.Text with 'SELECT * FROM the_table'.");
        }

        return commandType == CommandType.StoredProcedure
            || (parameters.Count > 0 && parameters.Cast<DbParameter>().All(p => string.IsNullOrEmpty(p.ParameterName)));
    }

    private static NpgsqlCommand CopyOf(NpgsqlCommand template, string sql, NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        var command = new NpgsqlCommand(sql, connection, transaction)
        {
            CommandType = template.CommandType,
            CommandTimeout = template.CommandTimeout,
            AllResultTypesAreUnknown = template.AllResultTypesAreUnknown,
            UnknownResultTypeList = template.UnknownResultTypeList,
        };
        CopyParameters(template.Parameters, command.Parameters);
        return command;
    }

    /// <summary>
    /// Citus mode's <see cref="BindInPlace"/>: an Npgsql command goes as a batch (<paramref name="asBatch"/>: one statement
    /// of EF Core's, or the caller's where stacked statements are refused) or with the binding in its text (the caller's
    /// multi-statement SQL, allowed); a wrapping command always carries the binding in its text.
    /// </summary>
    private BoundExecution BindInPlaceForCitus(DbCommand command, string tenant, bool asBatch)
    {
        var bound = BoundValue(tenant, command.Connection?.Database ?? "");
        if (command is NpgsqlCommand npgsql && asBatch)
        {
            var connection = npgsql.Connection ?? throw new InvalidOperationException("The command has no connection to bind the tenant on.");
            return _citus!.Batch([StatementOf(npgsql)], tenant, bound, connection, npgsql.Transaction, npgsql.CommandTimeout);
        }

        if (command is not NpgsqlCommand && NeedsBatch(command.CommandType, command.Parameters))
        {
            throw CannotBatch(command);
        }

        var opens = !CitusShapes.InCallersTransaction(command.Transaction);
        command.CommandText = _citus!.Text(command.CommandText, tenant, bound, opens);
        return new BoundExecution(command, bindResultFirst: false, ownsCommand: false, opensTransaction: opens);
    }

    /// <summary>A wrapping command whose SQL cannot carry the binding (positional parameters, a procedure call): it would need a batch.</summary>
    private static NotSupportedException CannotBatch(DbCommand command) => new(
        $"PgTenancy cannot bind a {command.GetType().FullName}: its {(command.CommandType == CommandType.StoredProcedure ? "stored procedure call" : "positional parameters ($1)")} "
        + "need the tenant in a statement of its own, in an Npgsql batch that a wrapping command does not carry. Use named parameters "
        + "(@name, as EF Core writes them), or let the interceptor that wraps commands leave NpgsqlCommand in place for this one.");

    /// <summary>The caller's command as one statement of a batch, with clones of its parameters.</summary>
    private static NpgsqlBatchCommand StatementOf(NpgsqlCommand template)
    {
        var statement = new NpgsqlBatchCommand(template.CommandText) { CommandType = template.CommandType };
        CopyParameters(template.Parameters, statement.Parameters);
        return statement;
    }

    private NpgsqlBatch BatchOf(NpgsqlCommand template, string tenant, NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        var statement = StatementOf(template);
        var batch = new NpgsqlBatch(connection, transaction) { Timeout = template.CommandTimeout };
        batch.BatchCommands.Add(BindCommand(BoundValue(tenant, connection.Database)));
        batch.BatchCommands.Add(statement);
        return batch;
    }

    private NpgsqlBatchCommand BindCommand(string boundValue)
    {
        var command = new NpgsqlBatchCommand(_positionalBind);
        command.Parameters.Add(TenantParameter(boundValue));
        return command;
    }

    private static void CopyParameters(NpgsqlParameterCollection from, NpgsqlParameterCollection to)
    {
        foreach (NpgsqlParameter parameter in from)
        {
            to.Add(parameter.Clone());
        }
    }
}
