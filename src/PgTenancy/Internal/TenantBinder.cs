using System.Collections.Concurrent;
using System.ComponentModel;
using Npgsql;
using NpgsqlTypes;
using PgTenancy.Binding;

namespace PgTenancy.Internal;

/// <summary>
/// What every command of one <see cref="TenantDataSource"/> (or one EF Core context configuration) shares: the
/// options, the bind statement text, the tenant look-up (fail closed), and the once-per-physical-connection check
/// that the role is subject to row-level security.
/// </summary>
/// <remarks>Infrastructure shared with PgTenancy.EntityFrameworkCore; not meant for application code, and may change.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TenantBinder
{
    /// <summary>The name of the parameter that carries the tenant when the bind is prefixed to named-parameter SQL.</summary>
    public const string TenantParameterName = "pgtenancy_bound_tenant_7f3c";

    private readonly ConcurrentDictionary<int, bool> _checkedConnections = new();

    /// <summary>Makes a binder for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public TenantBinder(TenancyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        PositionalBindStatement = BindingSql.BindStatement(options, "$1");
        NamedBindPrefix = BindingSql.BindStatement(options, "@" + TenantParameterName) + ";\n";
    }

    /// <summary>The options this binder binds with.</summary>
    public TenancyOptions Options { get; }

    /// <summary>The bind statement as a batch command of its own, the tenant in <c>$1</c>.</summary>
    public string PositionalBindStatement { get; }

    /// <summary>The bind statement to put before named-parameter SQL; Npgsql splits it into a statement of its own.</summary>
    public string NamedBindPrefix { get; }

    /// <summary>
    /// The tenant to bind now, as its canonical text; '' for "no tenant" when the options allow it.
    /// Throws before anything is sent when no tenant is current (the default) or the tenant's kind does not fit.
    /// </summary>
    public string CurrentTenantValue()
    {
        var tenant = Options.TenantAccessor.CurrentTenant;
        if (tenant is null)
        {
            return Options.MissingTenant == MissingTenantBehavior.MatchNoRows ? "" : throw new TenantContextMissingException();
        }

        if (!tenant.Fits(Options.TenantKind))
        {
            throw new InvalidOperationException(
                $"The current tenant '{tenant}' is a {tenant.Kind} id, but this data source binds {Options.TenantKind} tenants (TenancyOptions.TenantKind). Make the id with TenantId.Parse(value, TenantIdKind.{Options.TenantKind}).");
        }

        return tenant.Value;
    }

    /// <summary>A parameter carrying the tenant; typed text, so the server never has to guess.</summary>
    public static NpgsqlParameter TenantParameter(string value, string name = "") =>
        new(name, NpgsqlDbType.Text) { Value = value };

    /// <summary>The bind statement as the first command of a batch.</summary>
    public NpgsqlBatchCommand BindBatchCommand(string tenantValue)
    {
        var command = new NpgsqlBatchCommand(PositionalBindStatement);
        command.Parameters.Add(TenantParameter(tenantValue));
        return command;
    }

    /// <summary>
    /// Refuses a connection whose role is a superuser or has BYPASSRLS, the first time each physical connection is
    /// used (identified by its backend process id; one extra round trip, then cached).
    /// </summary>
    public async ValueTask EnsureRoleIsBoundAsync(NpgsqlConnection connection, bool async, CancellationToken cancellationToken)
    {
        if (!Options.RefuseBypassRoles || _checkedConnections.ContainsKey(connection.ProcessID))
        {
            return;
        }

        var command = new NpgsqlCommand(
            "SELECT rolname, rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = current_user", connection);
        (string Role, bool Super, bool Bypass)? role = null;
        try
        {
            var reader = async ? await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteReader();
            try
            {
                if (async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read())
                {
                    role = (reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2));
                }
            }
            finally
            {
                if (async)
                {
                    await reader.DisposeAsync().ConfigureAwait(false);
                }
                else
                {
                    reader.Dispose();
                }
            }
        }
        finally
        {
            command.Dispose();
        }

        if (role is { } found && (found.Super || found.Bypass))
        {
            throw new TenancyConfigurationException(
                $"Role \"{found.Role}\" is {(found.Super ? "a superuser" : "BYPASSRLS")}, so row-level security does not apply to it and every tenant's rows would be visible. "
                + $"Connect the application as a role with NOSUPERUSER NOBYPASSRLS that does not own the tables (ALTER ROLE \"{found.Role}\" NOSUPERUSER NOBYPASSRLS, or use another role).");
        }

        _checkedConnections.TryAdd(connection.ProcessID, true);
    }

    /// <summary>
    /// Binds the tenant to <paramref name="command"/> in place, for the named-parameter shape: the bind statement is
    /// prefixed to its SQL, with the tenant as a parameter. Returns <see langword="false"/>, changing nothing, when the
    /// command needs the batch shape instead (positional parameters or a stored procedure).
    /// </summary>
    public bool TryBindInPlace(NpgsqlCommand command, string tenantValue)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (BoundStatements.NeedsBatch(command.CommandType, command.Parameters))
        {
            return false;
        }

        command.CommandText = NamedBindPrefix + command.CommandText;
        command.Parameters.Add(TenantParameter(tenantValue, TenantParameterName));
        return true;
    }

    /// <summary>
    /// For a command that cannot be bound in place: a batch of the bind and the command's statement (its parameters
    /// cloned), on the command's connection and transaction, to execute instead of it.
    /// </summary>
    public NpgsqlBatch CreateBoundBatch(NpgsqlCommand command, string tenantValue)
    {
        ArgumentNullException.ThrowIfNull(command);
        var connection = command.Connection
            ?? throw new InvalidOperationException("The command has no connection to bind the tenant on.");
        return BoundStatements.BatchedCommand(this, tenantValue, command, connection, command.Transaction);
    }

    /// <summary>Turns "procedure does not exist" for the bind procedure into an error that says how to install it.</summary>
    public Exception? Explain(PostgresException exception) =>
        ((exception.SqlState == PostgresErrorCodes.UndefinedFunction && exception.MessageText.Contains(Options.Schema + ".bind_", StringComparison.Ordinal))
            || (exception.SqlState == PostgresErrorCodes.InvalidSchemaName && exception.MessageText.Contains($"\"{Options.Schema}\"", StringComparison.Ordinal)))
            ? new TenancyConfigurationException(
                $"The tenant binding procedure {BindingSql.ProcedureName(Options, Options.TenantKind)} is not installed in this database. "
                + "Run TenancyInstaller.InstallAsync(ownerDataSource, options) as the owner role (or the migration that installs it), then retry.",
                exception)
            : null;
}
