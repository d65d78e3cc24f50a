using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Update;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Update.Internal;
using PgTenancy.EntityFrameworkCore.Diagnostics;
using PgTenancy.EntityFrameworkCore.Infrastructure.Internal;
using PgTenancy.Binding;

// This file extends efcore.pg's internal batch on purpose; every such use of internals is listed, with its reason, in
// docs/ef-core.md#ef-core-and-efcorepg-internals-pgtenancy-depends-on. The provider's major version is pinned and tested.
#pragma warning disable EF1001

namespace PgTenancy.EntityFrameworkCore.Update;

/// <summary>
/// A SaveChanges batch that binds the tenant in its own round trip: the bind is the batch's first statement, so
/// inserts, updates and deletes cost no extra round trip and run in the same transaction as the bind.
/// </summary>
/// <remarks>
/// efcore.pg reads each modification's row count by statement index (<c>NpgsqlDataReader.Statements[i]</c>) and its
/// result rows in order, so a statement in front, and the bind's one-row result, would be taken for the first modification (efcore.pg issues 2412, 2480, 3179; npgsql issue
/// 4522 asks for a prepend hook). This batch therefore consumes results itself, with the indexes shifted by the one
/// bind statement and the bind's result skipped, and otherwise keeps efcore.pg's semantics: a modification without a result row must report
/// exactly one affected row, one with a result row (RETURNING, concurrency tokens) must return it, and anything else
/// raises <see cref="DbUpdateConcurrencyException"/> through the provider's own hook. This depends on efcore.pg's
/// internal batch type, so the provider's major version is pinned (see the options extension's validation).
/// </remarks>
internal sealed class TenantModificationCommandBatch(
    ModificationCommandBatchFactoryDependencies dependencies,
    int maxBatchSize,
    RelationalTypeMapping textMapping,
    TenantBinding binding,
    string? bypassReason) : NpgsqlModificationCommandBatch(dependencies, maxBatchSize)
{
    /// <summary>Statements in front of the modifications: the bind (Citus mode: its SET LOCAL statements), none in a cross-tenant context.</summary>
    private int _bindStatements = bypassReason is null ? 1 : 0;

    /// <summary>Whether the first result set is the bind's one row (not in Citus mode, whose SET statements return none).</summary>
    private readonly bool _bindResultFirst = bypassReason is null && !binding.Options.Citus;

    public override void Complete(bool moreBatchesExpected)
    {
        if (ModificationCommands.FirstOrDefault(c => c.StoreStoredProcedure is not null) is { } mapped)
        {
            throw new NotSupportedException(
                $"Entity '{mapped.Entries[0].EntityType.DisplayName()}' is saved through stored procedure '{mapped.StoreStoredProcedure!.Name}', which PgTenancy does not bind. "
                + "Nothing of this SaveChanges is saved: it is one transaction, so the entities saved with it are refused too. Map the entity to its table for saving (docs/ef-core.md, \"What UseTenancy() changes\").");
        }

        if (bypassReason is not null)
        {
            TenancyActivity.TagBypass(bypassReason);
            base.Complete(moreBatchesExpected);
            return;
        }

        // Read now, inside SaveChanges, in the tenant scope of the caller; fail closed before anything is sent.
        var tenant = binding.CurrentTenant();
        TenancyActivity.TagTenant(tenant);
        var logger = TenancyContext.Logger(Dependencies.CurrentContext.Context);
        var context = Dependencies.CurrentContext.Context.GetType();
        TenancyLog.BatchBound(logger, tenant, ModificationCommands.Count, context);
        var database = Dependencies.CurrentContext.Context.Database.GetDbConnection().Database;
        if (binding.CitusPrefix(tenant, database) is { } citus)
        {
            // In the transaction SaveChanges opens (TenantEntitiesInterceptor makes it always open one in Citus mode).
            SqlBuilder.Insert(0, citus.Prefix);
            _bindStatements = citus.Statements;
            base.Complete(moreBatchesExpected);
            return;
        }

        SqlBuilder.Insert(0, binding.NamedBindPrefix);
        RelationalCommandBuilder.AddParameter(TenantBinding.TenantParameterName, "@" + TenantBinding.TenantParameterName, textMapping, nullable: false);
        ParameterValues[TenantBinding.TenantParameterName] = binding.BoundValue(tenant, database);
        base.Complete(moreBatchesExpected);
    }

    protected override void Consume(RelationalDataReader reader) =>
        ConsumeAsync(reader, async: false, CancellationToken.None).GetAwaiter().GetResult();

    protected override Task ConsumeAsync(RelationalDataReader reader, CancellationToken cancellationToken = default) =>
        ConsumeAsync(reader, async: true, cancellationToken);

    private async Task ConsumeAsync(RelationalDataReader reader, bool async, CancellationToken cancellationToken)
    {
        var npgsqlReader = (NpgsqlDataReader)reader.DbDataReader;
        var index = 0;
        try
        {
            if (_bindResultFirst)
            {
                // The bind's one row is the first result set: step past it, which runs the modifications up to the first
                // that returns rows, as efcore.pg's own reader would be positioned without the bind.
                _ = async ? await npgsqlReader.NextResultAsync(cancellationToken).ConfigureAwait(false) : npgsqlReader.NextResult();
            }

            var onResultSet = false;
            while (index < ModificationCommands.Count)
            {
                var command = ModificationCommands[index];
                if (ResultSetMappings[index].HasFlag(ResultSetMapping.HasResultRow))
                {
                    var read = async ? await reader.ReadAsync(cancellationToken).ConfigureAwait(false) : reader.Read();
                    if (!read)
                    {
                        await ThrowConcurrencyAsync(reader, index, async, cancellationToken).ConfigureAwait(false);
                    }

                    command.PropagateResults(reader);

                    // Moving to the next result set runs the next statements: an error raised there belongs to the next
                    // command, so the index moves first (as in efcore.pg), and DbUpdateException names that command's entries.
                    index++;
                    onResultSet = async
                        ? await npgsqlReader.NextResultAsync(cancellationToken).ConfigureAwait(false)
                        : npgsqlReader.NextResult();
                }
                else
                {
#pragma warning disable CS0618 // Statements is obsolete, but it is the only per-statement row count efcore.pg has too.
                    var rows = npgsqlReader.Statements[index + _bindStatements].Rows;
#pragma warning restore CS0618
                    if (rows != 1)
                    {
                        await ThrowConcurrencyAsync(reader, index, async, cancellationToken).ConfigureAwait(false);
                    }

                    index++;
                }
            }

            if (onResultSet)
            {
                Dependencies.UpdateLogger.UnexpectedTrailingResultSetWhenSaving();
            }
        }
        catch (Exception e) when (e is not DbUpdateException and not OperationCanceledException)
        {
            // After the last command, an error comes from the last one (an AFTER trigger, say), as efcore.pg reports it.
            throw new DbUpdateException(
                RelationalStrings.UpdateStoreException, e, ModificationCommands[Math.Min(index, ModificationCommands.Count - 1)].Entries);
        }
    }

    private Task ThrowConcurrencyAsync(RelationalDataReader reader, int index, bool async, CancellationToken cancellationToken)
    {
        if (async)
        {
            return ThrowAggregateUpdateConcurrencyExceptionAsync(reader, index, 1, 0, cancellationToken);
        }

        ThrowAggregateUpdateConcurrencyException(reader, index, 1, 0);
        return Task.CompletedTask;
    }
}
