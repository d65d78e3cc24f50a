using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Npgsql;
using PgTenancy.Binding;

namespace PgTenancy;

/// <summary>
/// A connection from a <see cref="TenantDataSource"/>. Every command and batch it creates (including Dapper's) binds
/// the tenant current at execution time to each statement, transaction-locally and in the same round trip. The raw
/// Npgsql connection underneath is never handed out, so nothing can run on it unbound.
/// </summary>
public sealed class TenantConnection : DbConnection
{
    private readonly NpgsqlConnection _inner;
    private readonly TenantBinding _binding;
    private TenantTransaction? _transaction;

    internal TenantConnection(NpgsqlConnection inner, TenantBinding binding)
    {
        _inner = inner;
        _binding = binding;
        _inner.StateChange += (_, e) => OnStateChange(e);
    }

    /// <inheritdoc/>
    [AllowNull]
    public override string ConnectionString
    {
        get => _inner.ConnectionString;
        set => throw new NotSupportedException("A tenant-bound connection takes its connection string from its TenantDataSource.");
    }

    /// <inheritdoc/>
    public override string Database => _inner.Database;

    /// <inheritdoc/>
    public override string DataSource => _inner.DataSource;

    /// <inheritdoc/>
    public override string ServerVersion => _inner.ServerVersion;

    /// <inheritdoc/>
    public override ConnectionState State => _inner.State;

    /// <inheritdoc/>
    public override int ConnectionTimeout => _inner.ConnectionTimeout;

    /// <summary>The backend process id of the physical connection (through PgBouncer, PgBouncer's key for this client).</summary>
    public int ProcessId => _inner.ProcessID;

    internal NpgsqlConnection Inner => _inner;

    internal TenantBinding Binding => _binding;

    /// <summary>The open transaction begun on this connection, if any.</summary>
    internal TenantTransaction? CurrentTransaction => _transaction is { IsActive: true } transaction ? transaction : null;

    /// <inheritdoc/>
    public override bool CanCreateBatch => true;

    /// <summary>Opens the connection; the first use of each physical connection checks that its role is subject to row-level security.</summary>
    /// <exception cref="TenancyConfigurationException">The role is a superuser or has BYPASSRLS.</exception>
    public override void Open()
    {
        _inner.Open();
        GuardAsync(async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="Open"/>
    public override async Task OpenAsync(CancellationToken cancellationToken)
    {
        await _inner.OpenAsync(cancellationToken).ConfigureAwait(false);
        await GuardAsync(async: true, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override void Close() => _inner.Close();

    /// <inheritdoc/>
    public override Task CloseAsync() => _inner.CloseAsync();

    /// <inheritdoc/>
    public override void ChangeDatabase(string databaseName) => _inner.ChangeDatabase(databaseName);

    /// <summary>Creates a command whose every execution is bound to the tenant current at that moment.</summary>
    public new TenantCommand CreateCommand() => new(this);

    /// <summary>Creates a batch whose every execution is bound to the tenant current at that moment.</summary>
    public new TenantBatch CreateBatch() => new(this);

    /// <summary>Begins a transaction; each statement in it is still bound to the tenant current when it executes.</summary>
    public new TenantTransaction BeginTransaction() => BeginTransaction(IsolationLevel.Unspecified);

    /// <inheritdoc cref="BeginTransaction()"/>
    public new TenantTransaction BeginTransaction(IsolationLevel isolationLevel) => Track(_inner.BeginTransaction(isolationLevel));

    /// <inheritdoc cref="BeginTransaction()"/>
    public new async ValueTask<TenantTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default) =>
        Track(await _inner.BeginTransactionAsync(cancellationToken).ConfigureAwait(false));

    /// <inheritdoc cref="BeginTransaction()"/>
    public new async ValueTask<TenantTransaction> BeginTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken = default) =>
        Track(await _inner.BeginTransactionAsync(isolationLevel, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Starts a binary COPY FROM STDIN, bound to the current tenant for the rest of the transaction. PostgreSQL refuses
    /// COPY FROM into a table with row-level security for roles it applies to; use batched INSERTs there.
    /// </summary>
    /// <exception cref="InvalidOperationException">No transaction is open on this connection (see <see cref="BindForCopyAsync"/>).</exception>
    public NpgsqlBinaryImporter BeginBinaryImport(string copyFromCommand)
    {
        BindForCopyAsync(async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return _inner.BeginBinaryImport(copyFromCommand);
    }

    /// <inheritdoc cref="BeginBinaryImport"/>
    public async Task<NpgsqlBinaryImporter> BeginBinaryImportAsync(string copyFromCommand, CancellationToken cancellationToken = default)
    {
        await BindForCopyAsync(async: true, cancellationToken).ConfigureAwait(false);
        return await _inner.BeginBinaryImportAsync(copyFromCommand, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a binary COPY TO STDOUT; the rows are read under the current tenant's policies.</summary>
    /// <exception cref="InvalidOperationException">No transaction is open on this connection (see <see cref="BindForCopyAsync"/>).</exception>
    public NpgsqlBinaryExporter BeginBinaryExport(string copyToCommand)
    {
        BindForCopyAsync(async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return _inner.BeginBinaryExport(copyToCommand);
    }

    /// <inheritdoc cref="BeginBinaryExport"/>
    public async Task<NpgsqlBinaryExporter> BeginBinaryExportAsync(string copyToCommand, CancellationToken cancellationToken = default)
    {
        await BindForCopyAsync(async: true, cancellationToken).ConfigureAwait(false);
        return await _inner.BeginBinaryExportAsync(copyToCommand, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a text COPY TO STDOUT; the rows are read under the current tenant's policies.</summary>
    /// <exception cref="InvalidOperationException">No transaction is open on this connection (see <see cref="BindForCopyAsync"/>).</exception>
    public TextReader BeginTextExport(string copyToCommand)
    {
        BindForCopyAsync(async: false, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return _inner.BeginTextExport(copyToCommand);
    }

    /// <inheritdoc cref="BeginTextExport"/>
    public async Task<TextReader> BeginTextExportAsync(string copyToCommand, CancellationToken cancellationToken = default)
    {
        await BindForCopyAsync(async: true, cancellationToken).ConfigureAwait(false);
        return await _inner.BeginTextExportAsync(copyToCommand, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => BeginTransaction(isolationLevel);

    /// <inheritdoc/>
    protected override async ValueTask<DbTransaction> BeginDbTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken) =>
        await BeginTransactionAsync(isolationLevel, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    protected override DbCommand CreateDbCommand() => CreateCommand();

    /// <inheritdoc/>
    protected override DbBatch CreateDbBatch() => CreateBatch();

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// COPY streams rows over several round trips, outside any batch, so the tenant cannot travel with it; it is bound
    /// for the rest of the caller's explicit transaction instead (one extra round trip). Without a transaction the
    /// binding would end before the first row, so that is refused rather than run unbound.
    /// </summary>
    private async ValueTask BindForCopyAsync(bool async, CancellationToken cancellationToken)
    {
        var transaction = CurrentTransaction
            ?? throw new InvalidOperationException(
                "COPY on a tenant-bound connection needs an explicit transaction, so that the tenant stays bound while the rows stream: call BeginTransaction() first, and commit after the COPY.");
        var command = _binding.BindForTransaction(_binding.CurrentTenant(), _inner, transaction.Inner);
        if (async)
        {
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            using (command)
            {
                command.ExecuteNonQuery();
            }
        }
    }

    private TenantTransaction Track(NpgsqlTransaction transaction) => _transaction = new TenantTransaction(this, transaction);

    private async ValueTask GuardAsync(bool async, CancellationToken cancellationToken)
    {
        try
        {
            await _binding.RoleGuard.EnsureAsync(_inner, async, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A connection whose role is refused must not be usable at all.
            if (async)
            {
                await _inner.CloseAsync().ConfigureAwait(false);
            }
            else
            {
                _inner.Close();
            }

            throw;
        }
    }
}
