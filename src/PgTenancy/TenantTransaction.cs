using System.Data;
using System.Data.Common;
using Npgsql;

namespace PgTenancy;

/// <summary>
/// A transaction on a <see cref="TenantConnection"/>. It wraps Npgsql's transaction so that its
/// <see cref="Connection"/> is the tenant-bound connection, never the raw one underneath. Savepoints work as usual;
/// every statement in the transaction is bound to the tenant current when it executes.
/// </summary>
public sealed class TenantTransaction : DbTransaction
{
    private readonly TenantConnection _connection;
    private bool _completed;

    internal TenantTransaction(TenantConnection connection, NpgsqlTransaction inner)
    {
        _connection = connection;
        Inner = inner;
    }

    /// <summary>The tenant-bound connection this transaction belongs to.</summary>
    public new TenantConnection Connection => _connection;

    /// <inheritdoc/>
    public override IsolationLevel IsolationLevel => Inner.IsolationLevel;

    /// <inheritdoc/>
    public override bool SupportsSavepoints => true;

    internal NpgsqlTransaction Inner { get; }

    /// <summary>
    /// Whether the transaction still runs: not committed, rolled back or disposed. Npgsql 10 refuses to say anything
    /// about a transaction that is over (its <c>Connection</c> throws <see cref="ObjectDisposedException"/>), so the
    /// end is recorded here, and a refusal counts as over.
    /// </summary>
    internal bool IsActive
    {
        get
        {
            if (_completed)
            {
                return false;
            }

            try
            {
                return Inner.Connection is not null;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    /// <inheritdoc/>
    protected override DbConnection DbConnection => _connection;

    /// <inheritdoc/>
    public override void Commit()
    {
        try
        {
            Inner.Commit();
        }
        finally
        {
            _completed = true;
        }
    }

    /// <inheritdoc/>
    public override async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Inner.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _completed = true;
        }
    }

    /// <inheritdoc/>
    public override void Rollback()
    {
        try
        {
            Inner.Rollback();
        }
        finally
        {
            _completed = true;
        }
    }

    /// <inheritdoc/>
    public override async Task RollbackAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Inner.RollbackAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _completed = true;
        }
    }

    /// <inheritdoc/>
    public override void Save(string savepointName) => Inner.Save(savepointName);

    /// <inheritdoc/>
    public override Task SaveAsync(string savepointName, CancellationToken cancellationToken = default) => Inner.SaveAsync(savepointName, cancellationToken);

    /// <inheritdoc/>
    public override void Rollback(string savepointName) => Inner.Rollback(savepointName);

    /// <inheritdoc/>
    public override Task RollbackAsync(string savepointName, CancellationToken cancellationToken = default) => Inner.RollbackAsync(savepointName, cancellationToken);

    /// <inheritdoc/>
    public override void Release(string savepointName) => Inner.Release(savepointName);

    /// <inheritdoc/>
    public override Task ReleaseAsync(string savepointName, CancellationToken cancellationToken = default) => Inner.ReleaseAsync(savepointName, cancellationToken);

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        _completed = true;
        await Inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _completed = true;
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
