namespace PgTenancy;

/// <summary>
/// The ambient current tenant. <see cref="Begin"/> makes a tenant current for the code that follows, including what it
/// awaits, runs with <c>Task.Run</c> or in parallel loops (it flows with the execution context, through
/// <see cref="AsyncLocal{T}"/>); disposing the scope restores the tenant that was current before. Scopes nest.
/// </summary>
/// <example>
/// <code>
/// using (TenantScope.Begin(tenantId))
/// {
///     await using var connection = await dataSource.OpenConnectionAsync();
///     // every statement on it is bound to tenantId
/// }
/// </code>
/// </example>
public sealed class TenantScope : IDisposable
{
    private static readonly AsyncLocal<TenantScope?> Innermost = new();

    private readonly TenantScope? _outer;
    private bool _disposed;

    private TenantScope(TenantId tenant, TenantScope? outer)
    {
        Tenant = tenant;
        _outer = outer;
    }

    /// <summary>The tenant of the innermost scope in this execution context, or <see langword="null"/> outside any scope.</summary>
    public static TenantId? Current => Innermost.Value?.Tenant;

    /// <summary>The tenant this scope makes current.</summary>
    public TenantId Tenant { get; }

    /// <summary>Makes <paramref name="tenant"/> the current tenant until the returned scope is disposed.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="tenant"/> is null.</exception>
    public static TenantScope Begin(TenantId tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var scope = new TenantScope(tenant, Innermost.Value);
        Innermost.Value = scope;
        return scope;
    }

    /// <summary>Restores the tenant that was current when this scope began.</summary>
    /// <exception cref="InvalidOperationException">
    /// This scope is not the innermost one here: an inner scope was not disposed first, or this scope is disposed in
    /// another execution context than the one it began in. The current tenant is left unchanged, never silently switched.
    /// </exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        var innermost = Innermost.Value;
        if (!ReferenceEquals(innermost, this))
        {
            throw new InvalidOperationException(innermost is null
                ? $"The tenant scope of '{Tenant}' is disposed where it is not current (no scope is): it began in another execution context, e.g. inside an async method that returned. Begin and dispose a scope in the same method, with 'using'."
                : $"The tenant scope of '{Tenant}' is disposed while the scope of '{innermost.Tenant}' is still open inside it, or in another execution context. Dispose scopes in the reverse order they began, with 'using'; the current tenant stays '{innermost.Tenant}'.");
        }

        Innermost.Value = _outer;
        _disposed = true;
    }
}
