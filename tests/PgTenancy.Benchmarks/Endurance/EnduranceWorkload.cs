using System.Data;
using System.Diagnostics;
using Npgsql;

namespace PgTenancy.Benchmarks.Endurance;

/// <summary>A tenant table and the tenant data source that binds for it (unsigned, or signed for a verified policy).</summary>
internal sealed record LedgerStore(string Table, TenantDataSource DataSource);

/// <summary>
/// The randomized operations of the endurance run, each checked against <see cref="LedgerOracle"/>: reads must return
/// exactly the tenant's committed rows and nothing of another tenant; writes must change what the oracle expects;
/// writes aimed at another tenant must change nothing; a pooled connection used unbound after any fault must see no
/// row. Some operations are faults themselves (a failing statement, an error inside a transaction, a cancel, the
/// operation's own backend terminated); their expected error counts as success.
/// </summary>
internal sealed class EnduranceWorkload(
    IReadOnlyList<LedgerStore> stores, NpgsqlDataSource unbound, NpgsqlDataSource admin, LedgerOracle oracle, Guid[] tenants, EnduranceCounters counters)
{
    private enum Kind { ReadAll, ReadOne, Insert, Update, Delete, Transaction, CrossTenantWrite, UnboundRead, StatementError, ErrorInTransaction, Cancel, TerminateOwnBackend }

    // Weights per thousand: mostly reads and writes (deletes balance inserts, so a tenant's rows stay few), with faults
    // throughout; cancels and terminated backends are rarer, as each costs a wait or a new physical connection.
    private static readonly (Kind Kind, int Weight)[] Mix =
    [
        (Kind.ReadAll, 220), (Kind.ReadOne, 150), (Kind.Insert, 100), (Kind.Update, 110), (Kind.Delete, 150), (Kind.Transaction, 110),
        (Kind.CrossTenantWrite, 50), (Kind.UnboundRead, 50), (Kind.StatementError, 25), (Kind.ErrorInTransaction, 25), (Kind.Cancel, 5),
        (Kind.TerminateOwnBackend, 5),
    ];

    /// <summary>Runs operations until <paramref name="issue"/> says there are no more.</summary>
    public async Task RunWorkerAsync(int seed, Func<bool> issue)
    {
        var random = new Random(seed);
        while (issue())
        {
            var store = stores[random.Next(stores.Count)];
            var slot = await AcquireAsync(store.Table, random);
            var kind = Pick(random);
            try
            {
                if (slot.Uncertain)
                {
                    await ResyncAsync(slot);
                }

                using (TenantScope.Begin(TenantId.From(slot.Tenant)))
                {
                    await RunAsync(kind, store, slot, random);
                }

                counters.Success(Stopwatch.GetTimestamp());
            }
            catch (Exception e)
            {
                // Whether a write committed is unknown when its connection broke: read the truth before the next operation.
                slot.Uncertain = true;
                if (IsFault(e))
                {
                    counters.Failure(e);
                }
                else
                {
                    counters.UnexpectedError(e);
                }

                await Task.Delay(random.Next(1, 10)); // no hot loop against a server that is restarting
            }
            finally
            {
                slot.Lock.Release();
            }
        }
    }

    /// <summary>Replaces the oracle's rows of <paramref name="slot"/> by the server's, read past RLS; checks who wrote them.</summary>
    public async Task ResyncAsync(TenantSlot slot)
    {
        var rows = await ReadTruthAsync(slot);
        foreach (var row in rows.Where(r => r.Writer != slot.Tenant))
        {
            counters.Violation($"{slot.Table}, tenant {slot.Tenant}: row {row.Id} was written in the scope of tenant {row.Writer}");
        }

        slot.Rows.Clear();
        foreach (var row in rows)
        {
            slot.Rows[row.Id] = row;
        }

        slot.Uncertain = false;
    }

    /// <summary>The final audit of one slot: the server's rows against the oracle's (which must agree unless uncertain).</summary>
    public async Task AuditAsync(TenantSlot slot)
    {
        if (slot.Uncertain)
        {
            await ResyncAsync(slot);
            return;
        }

        foreach (var difference in slot.Differences(await ReadTruthAsync(slot)))
        {
            counters.Violation("final audit: " + difference);
        }
    }

    private async Task<List<LedgerRow>> ReadTruthAsync(TenantSlot slot)
    {
        await using var command = admin.CreateCommand($"SELECT id, val, writer FROM {slot.Table} WHERE tenant_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = slot.Tenant });
        var rows = new List<LedgerRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new LedgerRow(reader.GetInt64(0), reader.GetInt32(1), reader.GetGuid(2)));
        }

        return rows;
    }

    private async Task<TenantSlot> AcquireAsync(string table, Random random)
    {
        while (true)
        {
            var slot = oracle.Slot(table, tenants[random.Next(tenants.Length)]);
            if (await slot.Lock.WaitAsync(0))
            {
                return slot;
            }
        }
    }

    private static Kind Pick(Random random)
    {
        var roll = random.Next(1000);
        foreach (var (kind, weight) in Mix)
        {
            if ((roll -= weight) < 0)
            {
                return kind;
            }
        }

        return Kind.ReadAll;
    }

    private async Task RunAsync(Kind kind, LedgerStore store, TenantSlot slot, Random random)
    {
        if (kind == Kind.UnboundRead)
        {
            await UnboundReadAsync(store.Table); // before taking a tenant connection: the pool is small
            return;
        }

        await using var connection = await store.DataSource.OpenConnectionAsync();
        switch (kind)
        {
            case Kind.ReadAll:
                Check(slot, await ReadAsync(connection, store.Table, slot, id: null), onlyId: null);
                break;
            case Kind.ReadOne:
                var wanted = slot.AnyId(random) ?? slot.NewId();
                Check(slot, await ReadAsync(connection, store.Table, slot, wanted), wanted);
                break;
            case Kind.Insert:
                var inserted = new LedgerRow(slot.NewId(), random.Next(1000), slot.Tenant);
                Expect(slot, "insert", 1, await ExecuteAsync(connection, null, $"INSERT INTO {store.Table} (tenant_id, id, val, writer) VALUES ($1, $2, $3, $1)", slot.Tenant, inserted.Id, inserted.Value));
                slot.Rows[inserted.Id] = inserted;
                break;
            case Kind.Update:
                await UpdateAsync(connection, store.Table, slot, random);
                break;
            case Kind.Delete:
                var deleted = slot.AnyId(random) ?? slot.NewId();
                Expect(slot, "delete", slot.Rows.ContainsKey(deleted) ? 1 : 0, await ExecuteAsync(connection, null, $"DELETE FROM {store.Table} WHERE id = $1", deleted));
                slot.Rows.Remove(deleted);
                break;
            case Kind.Transaction:
                await TransactionAsync(connection, store.Table, slot, random);
                break;
            case Kind.CrossTenantWrite:
                await CrossTenantWriteAsync(connection, store.Table, slot, random);
                break;
            case Kind.StatementError:
                await using (var batch = connection.CreateBatch())
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT count(*) FROM {store.Table}"));
                    batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT 1 / 0"));
                    await ExpectErrorAsync(() => batch.ExecuteNonQueryAsync(), PostgresErrorCodes.DivisionByZero);
                }

                counters.Inject("failing statement in a batch");
                break;
            case Kind.ErrorInTransaction:
                await using (var transaction = await connection.BeginTransactionAsync())
                {
                    await ExecuteAsync(connection, transaction, $"INSERT INTO {store.Table} (tenant_id, id, val, writer) VALUES ($1, $2, 0, $1)", slot.Tenant, slot.NewId());
                    await ExpectErrorAsync(() => ExecuteAsync(connection, transaction, "SELECT 1 / 0"), PostgresErrorCodes.DivisionByZero);
                    await transaction.RollbackAsync();
                }

                counters.Inject("error inside a transaction, rolled back");
                break;
            case Kind.Cancel:
                await using (var command = connection.CreateCommand())
                {
                    command.CommandText = $"SELECT count(*) FROM {store.Table}, pg_sleep(0.5)";
                    using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(5, 40)));
                    try
                    {
                        // PostgreSQL drops a cancel request that arrives before the statement runs (the backend is
                        // idle): the statement then completes, and its answer must still be this tenant's alone.
                        var count = (long)(await command.ExecuteScalarAsync(cancel.Token))!;
                        if (!slot.Uncertain && count != slot.Rows.Count)
                        {
                            counters.Violation($"{store.Table}, tenant {slot.Tenant}: counted {count} rows where the oracle holds {slot.Rows.Count}");
                        }

                        counters.Inject("cancel sent before the statement ran (completed, its count checked)");
                    }
                    catch (OperationCanceledException)
                    {
                        counters.Inject("statement cancelled");
                    }
                }

                break;
            case Kind.TerminateOwnBackend:
                await using (var command = connection.CreateCommand())
                {
                    command.CommandText = "SELECT pg_backend_pid()";
                    var pid = (int)(await command.ExecuteScalarAsync())!;
                    await using var terminate = admin.CreateCommand("SELECT pg_terminate_backend($1, 5000)");
                    terminate.Parameters.Add(new NpgsqlParameter { Value = pid });
                    await terminate.ExecuteScalarAsync();
                    counters.Inject("own backend terminated mid-operation");
                    command.CommandText = $"SELECT count(*) FROM {store.Table}";
                    await command.ExecuteScalarAsync(); // fails directly; through PgBouncer it may get a new server connection
                }

                break;
        }
    }

    private async Task UpdateAsync(TenantConnection connection, string table, TenantSlot slot, Random random)
    {
        var id = slot.AnyId(random) ?? slot.NewId();
        var value = random.Next(1000);
        Expect(slot, "update", slot.Rows.ContainsKey(id) ? 1 : 0, await ExecuteAsync(connection, null, $"UPDATE {table} SET val = $1, writer = $2 WHERE id = $3", value, slot.Tenant, id));
        if (slot.Rows.ContainsKey(id))
        {
            slot.Rows[id] = new LedgerRow(id, value, slot.Tenant);
        }
    }

    private async Task TransactionAsync(TenantConnection connection, string table, TenantSlot slot, Random random)
    {
        var inserted = new LedgerRow(slot.NewId(), random.Next(1000), slot.Tenant);
        var updated = slot.AnyId(random);
        var value = random.Next(1000);
        var commit = random.Next(2) == 0;
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Expect(slot, "insert in a transaction", 1, await ExecuteAsync(connection, transaction, $"INSERT INTO {table} (tenant_id, id, val, writer) VALUES ($1, $2, $3, $1)", slot.Tenant, inserted.Id, inserted.Value));
            if (updated is { } id)
            {
                Expect(slot, "update in a transaction", 1, await ExecuteAsync(connection, transaction, $"UPDATE {table} SET val = $1 WHERE id = $2", value, id));
            }

            if (commit)
            {
                await transaction.CommitAsync();
            }
            else
            {
                await transaction.RollbackAsync();
            }
        }

        if (commit)
        {
            slot.Rows[inserted.Id] = inserted;
            if (updated is { } id)
            {
                slot.Rows[id] = slot.Rows[id] with { Value = value };
            }
        }
    }

    private async Task CrossTenantWriteAsync(TenantConnection connection, string table, TenantSlot slot, Random random)
    {
        var other = tenants[random.Next(tenants.Length)];
        if (other == slot.Tenant)
        {
            return;
        }

        var changed = await ExecuteAsync(connection, null, $"UPDATE {table} SET val = -1, writer = $1 WHERE tenant_id = $2", slot.Tenant, other);
        if (changed != 0)
        {
            counters.Violation($"{table}: tenant {slot.Tenant} updated {changed} rows of tenant {other}");
        }

        try
        {
            await ExecuteAsync(connection, null, $"INSERT INTO {table} (tenant_id, id, val, writer) VALUES ($1, $2, -1, $3)", other, slot.NewId(), slot.Tenant);
            counters.Violation($"{table}: tenant {slot.Tenant} inserted a row for tenant {other}");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            // WITH CHECK refused it, as it must.
        }
    }

    // The same pool, unbound: whatever faults came before, no binding is left on a connection, so RLS shows nothing.
    private async Task UnboundReadAsync(string table)
    {
        await using var command = unbound.CreateCommand($"SELECT count(*) FROM {table}");
        var visible = (long)(await command.ExecuteScalarAsync())!;
        if (visible != 0)
        {
            counters.Violation($"{table}: an unbound statement on the app pool saw {visible} rows (a binding outlived its transaction)");
        }
    }

    private async Task<List<LedgerRow>> ReadAsync(TenantConnection connection, string table, TenantSlot slot, long? id)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT tenant_id, id, val, writer FROM {table}" + (id is null ? "" : " WHERE id = $1");
        if (id is { } wanted)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = wanted });
        }

        var rows = new List<LedgerRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var owner = reader.GetGuid(0);
            var row = new LedgerRow(reader.GetInt64(1), reader.GetInt32(2), reader.GetGuid(3));
            if (owner != slot.Tenant || row.Writer != slot.Tenant)
            {
                counters.Violation($"{table}: tenant {slot.Tenant} read row {row.Id} of tenant {owner} (written as {row.Writer})");
            }

            rows.Add(row);
        }

        return rows;
    }

    private void Check(TenantSlot slot, List<LedgerRow> read, long? onlyId)
    {
        if (!slot.Uncertain)
        {
            foreach (var difference in slot.Differences(read, onlyId))
            {
                counters.Violation(difference);
            }
        }
    }

    private void Expect(TenantSlot slot, string what, int expected, int actual)
    {
        if (actual != expected)
        {
            counters.Violation($"{slot.Table}, tenant {slot.Tenant}: {what} changed {actual} rows where the oracle expects {expected}");
        }
    }

    private static async Task<int> ExecuteAsync(TenantConnection connection, TenantTransaction? transaction, string sql, params object[] values)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return await command.ExecuteNonQueryAsync();
    }

    private static async Task ExpectErrorAsync(Func<Task> execute, string sqlState)
    {
        try
        {
            await execute();
        }
        catch (PostgresException e) when (e.SqlState == sqlState)
        {
            return;
        }

        throw new InvalidOperationException($"The injected fault did not raise {sqlState}.");
    }

    private static bool IsFault(Exception e) =>
        e is NpgsqlException or OperationCanceledException or TimeoutException or IOException or System.Net.Sockets.SocketException
        || (e is InvalidOperationException && e.InnerException is not null && IsFault(e.InnerException));
}
