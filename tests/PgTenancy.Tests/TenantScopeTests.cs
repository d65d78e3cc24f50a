using Xunit;

namespace PgTenancy.Tests;

public sealed class TenantScopeTests
{
    private static readonly TenantId A = TenantId.FromText("a");
    private static readonly TenantId B = TenantId.FromText("b");

    [Fact]
    public void Nested_scopes_restore_the_outer_tenant_on_dispose()
    {
        Assert.Null(TenantScope.Current);
        using (TenantScope.Begin(A))
        {
            using (TenantScope.Begin(B))
            {
                Assert.Equal(B, TenantScope.Current);
            }

            Assert.Equal(A, TenantScope.Current);
        }

        Assert.Null(TenantScope.Current);
    }

    [Fact]
    public async Task The_tenant_flows_across_await_Task_Run_and_parallel_loops()
    {
        using var scope = TenantScope.Begin(A);
        await Task.Yield();
        var afterAwait = TenantScope.Current;
        var inTaskRun = await Task.Run(() => TenantScope.Current);
        var inParallel = new System.Collections.Concurrent.ConcurrentBag<TenantId?>();
        Parallel.For(0, 16, _ => inParallel.Add(TenantScope.Current));
        await Parallel.ForEachAsync(Enumerable.Range(0, 16), async (_, _) =>
        {
            await Task.Yield();
            inParallel.Add(TenantScope.Current);
        });

        Assert.Equal(A, afterAwait);
        Assert.Equal(A, inTaskRun);
        Assert.All(inParallel, t => Assert.Equal(A, t));
    }

    [Fact]
    public async Task A_scope_begun_inside_a_child_task_does_not_leak_to_the_parent()
    {
        using var scope = TenantScope.Begin(A);

        await Task.Run(() =>
        {
            using (TenantScope.Begin(B))
            {
                Assert.Equal(B, TenantScope.Current);
            }
        });

        Assert.Equal(A, TenantScope.Current);
    }

    [Fact]
    public void Disposing_out_of_order_throws_and_leaves_the_current_tenant_unchanged()
    {
        var outer = TenantScope.Begin(A);
        var inner = TenantScope.Begin(B);

        var error = Assert.Throws<InvalidOperationException>(outer.Dispose);

        Assert.Contains("'a'", error.Message);
        Assert.Contains("'b'", error.Message);
        Assert.Equal(B, TenantScope.Current);
        inner.Dispose();
        outer.Dispose();
        Assert.Null(TenantScope.Current);
    }

    [Fact]
    public async Task Disposing_in_another_execution_context_throws_instead_of_switching_tenants()
    {
        var scope = await BeginInsideAsync(A);

        var error = Assert.Throws<InvalidOperationException>(scope.Dispose);

        Assert.Contains("another execution context", error.Message);
        Assert.Null(TenantScope.Current);
    }

    [Fact]
    public void Disposing_twice_is_harmless()
    {
        var scope = TenantScope.Begin(A);
        scope.Dispose();
        scope.Dispose();

        Assert.Null(TenantScope.Current);
    }

    [Fact]
    public void The_ambient_accessor_reads_the_current_scope()
    {
        using var scope = TenantScope.Begin(B);

        Assert.Equal(B, AmbientTenantAccessor.Instance.CurrentTenant);
    }

    private static async Task<TenantScope> BeginInsideAsync(TenantId tenant)
    {
        await Task.Yield();
        return TenantScope.Begin(tenant); // the AsyncLocal change stays in this method's context
    }
}
