using System.Data.Common;
using Npgsql;
using PgTenancy.Binding;

namespace PgTenancy;

/// <summary>
/// A data source whose connections, commands and batches bind the tenant current at execution time to every
/// statement (docs/concepts.md, "The binding contract"): transaction-locally, in the same round trip, fail-closed. Wrap the
/// application role's <see cref="NpgsqlDataSource"/> in it and use it as any <see cref="DbDataSource"/>, with ADO.NET
/// or Dapper.
/// </summary>
/// <example>
/// <code>
/// await using var inner = NpgsqlDataSource.Create(appConnectionString);
/// await using var dataSource = new TenantDataSource(inner);
/// using (TenantScope.Begin(TenantId.Parse(tenantHeader, TenantIdKind.Uuid)))
/// {
///     await using var connection = await dataSource.OpenConnectionAsync();
///     var orders = await connection.QueryAsync&lt;Order&gt;("SELECT * FROM orders"); // only this tenant's rows
/// }
/// </code>
/// </example>
public sealed class TenantDataSource : DbDataSource
{
    private readonly NpgsqlDataSource _inner;

    /// <summary>The wrapped pool, which binds nothing (for the isolation kit's unbound probes).</summary>
    internal NpgsqlDataSource Inner => _inner;
    private readonly TenantBinding _binding;

    /// <summary>Wraps <paramref name="inner"/>, which should connect as the application role (not the tables' owner).</summary>
    /// <param name="inner">The data source to draw physical connections from. It stays the caller's to dispose.</param>
    /// <param name="options">How to bind; <see cref="TenancyOptions.Default"/> when omitted.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid; the message names the option.</exception>
    public TenantDataSource(NpgsqlDataSource inner, TenancyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _binding = new TenantBinding(options ?? TenancyOptions.Default);
    }

    /// <summary>The options this data source binds with.</summary>
    public TenancyOptions Options => _binding.Options;

    /// <inheritdoc/>
    public override string ConnectionString => _inner.ConnectionString;

    /// <summary>Creates a closed tenant-bound connection.</summary>
    public new TenantConnection CreateConnection() => new(_inner.CreateConnection(), _binding);

    /// <summary>Opens a tenant-bound connection.</summary>
    /// <exception cref="TenancyConfigurationException">The role is a superuser or has BYPASSRLS.</exception>
    public new TenantConnection OpenConnection()
    {
        var connection = CreateConnection();
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc cref="OpenConnection"/>
    public new async ValueTask<TenantConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    protected override DbConnection CreateDbConnection() => CreateConnection();

    /// <inheritdoc/>
    protected override DbConnection OpenDbConnection() => OpenConnection();

    /// <inheritdoc/>
    protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default) =>
        await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
}
