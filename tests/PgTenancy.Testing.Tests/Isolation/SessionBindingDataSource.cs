using System.Data.Common;
using Npgsql;

namespace PgTenancy.Testing.Tests.Isolation;

/// <summary>
/// A mistaken binding, for the kit to catch: it sets the tenant once per connection open, at session level
/// (<c>set_config(…, false)</c>), as a hand-written "on connection opened" hook would. Through PgBouncer's
/// transaction pooling the next statement may run on another server connection, holding another tenant's setting.
/// </summary>
internal sealed class SessionBindingDataSource(NpgsqlDataSource inner) : DbDataSource
{
    public override string ConnectionString => inner.ConnectionString;

    protected override DbConnection CreateDbConnection() => inner.CreateConnection();

    protected override DbConnection OpenDbConnection() => OpenDbConnectionAsync().AsTask().GetAwaiter().GetResult();

    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = await inner.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT set_config('app.tenant_id', $1, false)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = TenantScope.Current?.Value ?? "" });   // no tenant: an empty setting
        await command.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }
}
