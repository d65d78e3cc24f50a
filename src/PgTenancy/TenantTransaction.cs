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

    /// <inheritdoc/>
    protected override DbConnection DbConnection => _connection;

    /// <inheritdoc/>
    public override void Commit() => Inner.Commit();

    /// <inheritdoc/>
    public override Task CommitAsync(CancellationToken cancellationToken = default) => Inner.CommitAsync(cancellationToken);

    /// <inheritdoc/>
    public override void Rollback() => Inner.Rollback();

    /// <inheritdoc/>
    public override Task RollbackAsync(CancellationToken cancellationToken = default) => Inner.RollbackAsync(cancellationToken);

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
        await Inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
