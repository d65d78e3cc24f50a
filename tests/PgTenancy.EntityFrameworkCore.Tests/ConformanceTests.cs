using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Xunit;

namespace PgTenancy.EntityFrameworkCore.Tests;

/// <summary>
/// UseTenancy() changes nothing that EF Core or the application's own interceptors see: the failing entity is the one
/// named, interceptors see EF Core's SQL and whatever command they leave is the one bound, statements that refuse a
/// transaction block still run, and batching follows the provider's rules.
/// </summary>
public sealed class ConformanceTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await shop.ResetAsync();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_failing_insert_in_a_batch_names_its_own_entity_in_DbUpdateException()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using (var first = shop.App())
        {
            first.Orders.Add(new Order { Id = 900_002, Customer = "saved before" });
            await first.SaveChangesAsync();
        }

        await using var context = shop.App();
        Order[] orders = [new() { Id = 900_001, Customer = "one" }, new() { Id = 900_002, Customer = "two, a duplicate" }, new() { Id = 900_003, Customer = "three" }];
        context.Orders.AddRange(orders);

        var error = await Assert.ThrowsAsync<DbUpdateException>(() => context.SaveChangesAsync());

        Assert.Same(orders[1], Assert.Single(error.Entries).Entity);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(error.InnerException).SqlState);
    }

    [Fact]
    public async Task Application_interceptors_see_EF_Cores_SQL_and_the_query_is_still_bound()
    {
        var seen = new RecordingInterceptor();
        using var scope = TenantScope.Begin(ShopFixture.B);
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.AddInterceptors(seen)));

        var count = await context.Orders.CountAsync();

        Assert.Equal(ShopFixture.OrdersPerTenant, count);
        var sql = Assert.Single(seen.CommandTexts);
        Assert.DoesNotContain("pgtenancy", sql, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, seen.ParametersNamedLikeTheBinding);
    }

    [Fact]
    public async Task An_interceptor_that_replaces_the_SQL_gets_its_own_SQL_bound()
    {
        var replace = new ReplacingInterceptor("SELECT count(*)::int AS \"Value\" FROM orders WHERE \"Amount\" <= 3");
        using var scope = TenantScope.Begin(ShopFixture.C);
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.AddInterceptors(replace)));

        var count = await context.Database.SqlQueryRaw<int>("SELECT 0 AS \"Value\"").SingleAsync();

        Assert.Equal(3, count);   // C's orders with amounts 1..3: bound to C, or it would read 0 rows (or every tenant's 9)
    }

    [Fact]
    public async Task An_interceptor_that_re_executes_the_SQL_on_a_new_command_does_not_meet_the_binding_parameter()
    {
        var reExecute = new ReExecutingInterceptor();
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.AddInterceptors(reExecute)));

        var count = await context.Orders.CountAsync();

        Assert.Equal(ShopFixture.OrdersPerTenant, count);
        Assert.Equal(0, reExecute.RowsSeenUnbound);   // its own command carries no tenant: it reads nothing, and no 42703
    }

    [Fact]
    public async Task A_command_wrapped_by_an_interceptor_is_bound_through_the_wrapper()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.AddInterceptors(new WrappingInterceptor())));

        var orders = await context.Orders.Where(o => o.Amount > 0).ToListAsync();
        var changed = await context.Orders.Where(o => o.Amount == 1).ExecuteUpdateAsync(s => s.SetProperty(o => o.Customer, "wrapped"));

        Assert.Equal(ShopFixture.OrdersPerTenant, orders.Count);
        Assert.All(orders, o => Assert.Equal(ShopFixture.Id(ShopFixture.A), o.TenantId));
        Assert.Equal(1, changed);
    }

    [Fact]
    public void A_wrapped_command_that_needs_a_batch_is_refused_naming_the_wrapper()
    {
        // EF Core names every parameter it sends; a wrapped stored procedure call or positional parameters would need
        // the batch shape, which the wrapper cannot carry: refused before anything is sent, never run unbound.
        using var inner = new NpgsqlCommand("UPDATE orders SET \"Amount\" = $1") { Parameters = { new NpgsqlParameter { Value = 1 } } };
        using var wrapped = new WrappingCommand(inner);

        var error = Assert.Throws<NotSupportedException>(() => new PgTenancy.Binding.TenantBinding(TenancyOptions.Default).BindInPlace(wrapped, ShopFixture.A.Value));

        Assert.Contains(typeof(WrappingCommand).FullName!, error.Message, StringComparison.Ordinal);
        Assert.Contains("positional parameters", error.Message, StringComparison.Ordinal);
        Assert.Equal("UPDATE orders SET \"Amount\" = $1", inner.CommandText);
    }

    [Fact]
    public async Task A_result_supplied_by_an_application_interceptor_is_returned_and_nothing_is_sent()
    {
        // No tenant in scope: PgTenancy would refuse to send anything, but an interceptor before it (a cache, say)
        // answered already, so nothing is sent and there is nothing to bind.
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.AddInterceptors(new SuppressingInterceptor(42))));

        var rows = await context.Database.ExecuteSqlRawAsync("DELETE FROM orders");

        Assert.Equal(42, rows);
        Assert.Equal(ShopFixture.OrdersPerTenant, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.A)]);
    }

    [Fact]
    public async Task An_entity_added_by_an_application_SaveChanges_interceptor_gets_the_tenant_too()
    {
        using var scope = TenantScope.Begin(ShopFixture.B);
        await using var context = new ShopContext(shop.AppOptions(configure: b => b.AddInterceptors(new AuditingInterceptor())));

        context.Orders.Add(new Order { Customer = "ordered" });
        await context.SaveChangesAsync();

        Assert.Equal(ShopFixture.OrdersPerTenant + 2, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.B)]);
    }

    [Fact]
    public async Task A_statement_that_refuses_a_transaction_block_runs_unbound()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();

        await context.Database.ExecuteSqlRawAsync("VACUUM orders");   // as the app role: skipped with a warning, not an error
        await context.Database.ExecuteSqlRawAsync("/* maintenance */ VACUUM (ANALYZE) order_lines;");

        Assert.Equal(ShopFixture.OrdersPerTenant, await context.Orders.CountAsync());
    }

    [Fact]
    public async Task Two_statements_beginning_with_VACUUM_are_not_sent_unbound()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();

        // Not unbound: bound like any raw SQL, and so refused as stacked statements before anything runs.
        var error = await Assert.ThrowsAsync<TenantStatementsException>(() => context.Database.ExecuteSqlRawAsync("VACUUM orders; DELETE FROM orders"));

        Assert.Contains("more than one statement", error.Message, StringComparison.Ordinal);
        Assert.Equal(ShopFixture.OrdersPerTenant, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.A)]);
    }

    [Fact]
    public async Task Raw_SQL_with_stacked_statements_is_refused_by_default_and_nothing_runs()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = shop.App();

        var execute = await Assert.ThrowsAsync<TenantStatementsException>(() => context.Database.ExecuteSqlRawAsync("SELECT 1; DELETE FROM orders"));
        var named = await Assert.ThrowsAsync<TenantStatementsException>(() =>
            context.Database.ExecuteSqlAsync($"UPDATE orders SET \"Amount\" = {0}; DELETE FROM orders"));
        var query = await Assert.ThrowsAsync<TenantStatementsException>(() =>
            context.Database.SqlQueryRaw<int>("SELECT 1 AS \"Value\"; DELETE FROM orders").ToListAsync());

        Assert.All(new Exception[] { execute, named, query }, e => Assert.Contains("more than one statement", e.Message, StringComparison.Ordinal));
        Assert.Equal(ShopFixture.OrdersPerTenant, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.A)]);
        Assert.Equal(ShopFixture.OrdersPerTenant, await context.Orders.CountAsync());   // EF Core's own SQL is unaffected
    }

    [Fact]
    public async Task A_batch_size_above_a_thousand_is_kept_and_one_below_one_is_refused()
    {
        var seen = new RecordingInterceptor();
        using var scope = TenantScope.Begin(ShopFixture.C);
        await using var large = new ShopContext(shop.AppOptions(configure: b => b.UseNpgsql(o => o.MaxBatchSize(1500)).AddInterceptors(seen)));
        large.Orders.AddRange(Enumerable.Range(0, 1200).Select(i => new Order { Customer = "bulk " + i }));

        await large.SaveChangesAsync();

        Assert.Single(seen.CommandTexts);   // one batch of 1,200 inserts, as efcore.pg sends it
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            using var none = new ShopContext(shop.AppOptions(configure: b => b.UseNpgsql(o => o.MaxBatchSize(0))));
            none.Orders.Add(new Order { Customer = "never" });
            none.SaveChanges();
        });
        Assert.Contains("MaxBatchSize", error.ToString(), StringComparison.Ordinal);
    }

    private sealed class RecordingInterceptor : DbCommandInterceptor
    {
        public List<string> CommandTexts { get; } = [];

        public int ParametersNamedLikeTheBinding { get; private set; }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            CommandTexts.Add(command.CommandText);
            ParametersNamedLikeTheBinding += command.Parameters.Cast<DbParameter>().Count(p => p.ParameterName.StartsWith("pgtenancy", StringComparison.Ordinal));
            return ValueTask.FromResult(result);
        }
    }

    private sealed class ReplacingInterceptor(string sql) : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            command.CommandText = sql;
            command.Parameters.Clear();
            return ValueTask.FromResult(result);
        }
    }

    private sealed class ReExecutingInterceptor : DbCommandInterceptor
    {
        public long RowsSeenUnbound { get; private set; } = -1;

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            // A logging or auditing interceptor that runs the SQL again on a command of its own, without the parameters.
            await using var again = new NpgsqlCommand(command.CommandText, (NpgsqlConnection)command.Connection!, (NpgsqlTransaction?)command.Transaction);
            RowsSeenUnbound = Convert.ToInt64(await again.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
            return result;
        }
    }

    private sealed class SuppressingInterceptor(int rows) : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(InterceptionResult<int>.SuppressWithResult(rows));
    }

    private sealed class AuditingInterceptor : SaveChangesInterceptor
    {
        public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
            DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            eventData.Context!.Add(new Order { Customer = "audit: an order was placed" });   // no tenant: PgTenancy fills it
            return ValueTask.FromResult(result);
        }
    }

    /// <summary>The profiler pattern: every command EF Core creates is wrapped.</summary>
    private sealed class WrappingInterceptor : DbCommandInterceptor
    {
        public override DbCommand CommandCreated(CommandEndEventData eventData, DbCommand result) => new WrappingCommand(result);
    }

    [SuppressMessage("Security", "CA2100", Justification = "Forwards the SQL it is given, as a profiler does.")]
    private sealed class WrappingCommand(DbCommand inner) : DbCommand
    {
        [AllowNull]
        public override string CommandText { get => inner.CommandText; set => inner.CommandText = value; }

        public override int CommandTimeout { get => inner.CommandTimeout; set => inner.CommandTimeout = value; }

        public override CommandType CommandType { get => inner.CommandType; set => inner.CommandType = value; }

        public override bool DesignTimeVisible { get => inner.DesignTimeVisible; set => inner.DesignTimeVisible = value; }

        public override UpdateRowSource UpdatedRowSource { get => inner.UpdatedRowSource; set => inner.UpdatedRowSource = value; }

        protected override DbConnection? DbConnection { get => inner.Connection; set => inner.Connection = value; }

        protected override DbParameterCollection DbParameterCollection => inner.Parameters;

        protected override DbTransaction? DbTransaction { get => inner.Transaction; set => inner.Transaction = value; }

        public override void Cancel() => inner.Cancel();

        public override int ExecuteNonQuery() => inner.ExecuteNonQuery();

        public override object? ExecuteScalar() => inner.ExecuteScalar();

        public override void Prepare() => inner.Prepare();

        protected override DbParameter CreateDbParameter() => inner.CreateParameter();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => inner.ExecuteReader(behavior);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

/// <summary>An entity saved through stored procedures, beside the shop's table-mapped orders.</summary>
public sealed class Memo
{
    public long Id { get; set; }

    public Guid TenantId { get; set; }

    public string Text { get; set; } = "";
}

public sealed class MemoShopContext(DbContextOptions<MemoShopContext> options) : DbContext(options)
{
    public DbSet<Order> Orders => Set<Order>();

    public DbSet<Memo> Memos => Set<Memo>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            order.IsTenantScoped(o => o.TenantId);
            order.Property(o => o.Version).IsRowVersion();
            order.Ignore(o => o.Lines);
        });
        modelBuilder.Entity<Memo>(memo =>
        {
            memo.ToTable("memos");
            memo.IsTenantScoped(m => m.TenantId);
            memo.InsertUsingStoredProcedure("insert_memo", p =>
            {
                p.HasParameter(m => m.TenantId);
                p.HasParameter(m => m.Text);
                p.HasParameter(m => m.Id, id => id.IsOutput());
            });
        });
    }
}

public sealed class StoredProcedureTests(ShopFixture shop) : IClassFixture<ShopFixture>
{
    [Fact]
    public async Task A_SaveChanges_with_a_stored_procedure_mapped_entity_is_refused_whole_and_saves_nothing()
    {
        using var scope = TenantScope.Begin(ShopFixture.A);
        await using var context = new MemoShopContext(shop.AppOptionsFor<MemoShopContext>(_ => { }));
        var before = (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.A)];
        context.Orders.Add(new Order { Customer = "saved with a memo" });
        context.Memos.Add(new Memo { Text = "through a procedure" });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => context.SaveChangesAsync());

        var refusal = Assert.IsType<NotSupportedException>(error is NotSupportedException ? error : error.InnerException);
        Assert.Contains("'Memo' is saved through stored procedure 'insert_memo'", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing of this SaveChanges is saved", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(before, (await shop.CountsAsync())[ShopFixture.Id(ShopFixture.A)]);
    }
}
