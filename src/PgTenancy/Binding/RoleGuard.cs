using System.Collections.Concurrent;
using Npgsql;
using PgTenancy.Catalog;

namespace PgTenancy.Binding;

/// <summary>
/// Refuses a connection whose role escapes row-level security (a superuser or BYPASSRLS), the first time each physical
/// connection is used: one extra round trip per physical connection, then cached. Separate from the binding itself,
/// which runs on every statement.
/// </summary>
/// <remarks>
/// The rule is <see cref="CatalogRules.EscapesRowSecurity"/>, the one the doctor's ROLE-01 and the isolation
/// kit use too. Npgsql's physical-connection initializer would run it at the right moment, but it can only be set on a
/// data source builder, and <see cref="TenantDataSource"/> wraps data sources that are already built; so the guard keeps
/// its own cache, keyed by server, database and backend process id, and bounded.
/// </remarks>
internal sealed class RoleGuard(bool enabled)
{
    // A cache, not a record: forgetting costs one more round trip. Bounded so that a long-lived process that sees many
    // backends (restarts, PgBouncer's keys) does not grow it without limit.
    private const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<(string Server, string Database, int ProcessId), bool> _checked = new();

    public async ValueTask EnsureAsync(NpgsqlConnection connection, bool async, CancellationToken cancellationToken)
    {
        var key = (connection.DataSource, connection.Database, connection.ProcessID);
        if (!enabled || _checked.ContainsKey(key))
        {
            return;
        }

        var command = new NpgsqlCommand(CatalogRules.CurrentRoleEscapingRowSecurity, connection);
        (string Role, bool Superuser)? escape = null;
        try
        {
            var reader = async ? await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false) : command.ExecuteReader();
            try
            {
                if (async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read())
                {
                    escape = (reader.GetString(0), reader.GetBoolean(1));
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
            if (async)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                command.Dispose();
            }
        }

        if (escape is { } found)
        {
            throw new TenancyConfigurationException(CatalogRules.RoleEscapesRowSecurity(found.Role, found.Superuser));
        }

        if (_checked.Count >= MaxRemembered)
        {
            _checked.Clear();
        }

        _checked.TryAdd(key, true);
    }
}
