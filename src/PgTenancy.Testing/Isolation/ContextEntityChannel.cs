using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// EF Core operations on the tenant-scoped entities, through fresh contexts from the application's factory. The
/// entity CLR types are known only at run time, so each operation calls a generic method made for the entity type.
/// </summary>
internal sealed class ContextEntityChannel<TContext>(IDbContextFactory<TContext> factory, string? connectionString, EntityTables entities, TableShape[] shapes) : IEntityChannel
    where TContext : DbContext
{
    private static readonly MethodInfo ReadAllMethod = Generic(nameof(ReadAllAsync));
    private static readonly MethodInfo ExecuteDeleteMethod = Generic(nameof(ExecuteDeleteCoreAsync));
    private static readonly MethodInfo ExecuteUpdateMethod = Generic(nameof(ExecuteUpdateCoreAsync));
    private static readonly MethodInfo PropertyMethod = typeof(EF).GetMethod(nameof(EF.Property))!;

    public async Task<List<string?[]>> ReadKeysAsync(int table, CancellationToken cancellationToken)
    {
        var (entity, _, tenant) = entities.Entities[table];
        var context = await CreateAsync(cancellationToken).ConfigureAwait(false);
        await using var contextScope = context.ConfigureAwait(false);
        var read = await Invoke<List<object>>(ReadAllMethod, [entity.ClrType], context, cancellationToken).ConfigureAwait(false);
        var keys = KeyProperties(table);
        return [.. read.Select(e => new[] { ClrText.ToText(tenant.GetGetter().GetClrValue(e)) }.Concat(keys.Select(k => ClrText.ToText(k.GetGetter().GetClrValue(e)))).ToArray())];
    }

    public async Task<string?[]?> FindAsync(int table, TenantId tenant, string?[] key, CancellationToken cancellationToken)
    {
        var context = await CreateAsync(cancellationToken).ConfigureAwait(false);
        await using var contextScope = context.ConfigureAwait(false);
        var found = await FindCoreAsync(context, table, tenant, key, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            return null;
        }

        var tenantProperty = entities.Entities[table].Tenant;
        return [ClrText.ToText(tenantProperty.GetGetter().GetClrValue(found)), .. KeyProperties(table).Select(k => ClrText.ToText(k.GetGetter().GetClrValue(found)))];
    }

    public async Task<List<string?[]>> InsertAsync(int table, IReadOnlyList<List<(string Column, string? Value)>> rows, CancellationToken cancellationToken)
    {
        var (entity, store, _) = entities.Entities[table];
        var context = await CreateAsync(cancellationToken).ConfigureAwait(false);
        await using var contextScope = context.ConfigureAwait(false);
        var added = new List<object>();
        foreach (var row in rows)
        {
            var instance = Activator.CreateInstance(entity.ClrType)
                ?? throw new ArgumentException($"Entity type {entity.ClrType.Name} has no parameterless constructor: the isolation kit cannot create one. Add one (it may be private).");
            var entry = context.Entry(instance);
            foreach (var (column, value) in row)
            {
                var property = PropertyOf(entity, store, column);
                entry.Property(property.Name).CurrentValue = ClrText.ToClr(value, property.ClrType);
            }

            context.Add(instance);
            added.Add(instance);
        }

        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var keys = KeyProperties(table);
        return [.. added.Select(e => keys.Select(k => ClrText.ToText(k.GetGetter().GetClrValue(e))).ToArray())];
    }

    public async Task<bool> UpdateAsync(int table, TenantId tenant, string?[] key, string column, string? value, CancellationToken cancellationToken)
    {
        var (entity, store, _) = entities.Entities[table];
        var context = await CreateAsync(cancellationToken).ConfigureAwait(false);
        await using var contextScope = context.ConfigureAwait(false);
        var found = await FindCoreAsync(context, table, tenant, key, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            return false;
        }

        var property = PropertyOf(entity, store, column);
        if (!property.IsKey())
        {
            context.Entry(found).Property(property.Name).CurrentValue = ClrText.ToClr(value, property.ClrType);
        }

        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> RemoveAsync(int table, TenantId tenant, string?[] key, CancellationToken cancellationToken)
    {
        var context = await CreateAsync(cancellationToken).ConfigureAwait(false);
        await using var contextScope = context.ConfigureAwait(false);
        var found = await FindCoreAsync(context, table, tenant, key, cancellationToken).ConfigureAwait(false);
        if (found is null)
        {
            return false;
        }

        context.Remove(found);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<int> ExecuteUpdateAsync(int table, string?[] key, string column, string? value, CancellationToken cancellationToken)
    {
        var (entity, store, _) = entities.Entities[table];
        var property = PropertyOf(entity, store, column);
        var context = await CreateAsync(cancellationToken).ConfigureAwait(false);
        await using var contextScope = context.ConfigureAwait(false);
        return await Invoke<int>(ExecuteUpdateMethod, [entity.ClrType, property.ClrType], context, KeyPredicate(table, key), property.Name, ClrText.ToClr(value, property.ClrType), cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> ExecuteDeleteAsync(int table, string?[] key, CancellationToken cancellationToken)
    {
        var entity = entities.Entities[table].Entity;
        var context = await CreateAsync(cancellationToken).ConfigureAwait(false);
        await using var contextScope = context.ConfigureAwait(false);
        return await Invoke<int>(ExecuteDeleteMethod, [entity.ClrType], context, KeyPredicate(table, key), cancellationToken).ConfigureAwait(false);
    }

    private Task<TContext> CreateAsync(CancellationToken cancellationToken) => ContextFactory.CreateAsync(factory, connectionString, cancellationToken);

    private async Task<object?> FindCoreAsync(TContext context, int table, TenantId tenant, string?[] key, CancellationToken cancellationToken)
    {
        var (entity, store, tenantProperty) = entities.Entities[table];
        var keyValues = entity.FindPrimaryKey()!.Properties
            .Select(p => p == tenantProperty
                ? ClrText.ToClr(tenant.Value, p.ClrType)
                : ClrText.ToClr(key[Array.IndexOf(shapes[table].KeyColumns, p.GetColumnName(store))], p.ClrType))
            .ToArray();
        return await context.FindAsync(entity.ClrType, keyValues, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>e =&gt; EF.Property&lt;K1&gt;(e, "k1") == v1 &amp;&amp; …</c> over the key columns without the tenant: RLS must supply the tenant filter.</summary>
    private LambdaExpression KeyPredicate(int table, string?[] key)
    {
        var (entity, _, _) = entities.Entities[table];
        var parameter = Expression.Parameter(entity.ClrType, "e");
        var body = KeyProperties(table)
            .Select((p, i) => (Expression)Expression.Equal(
                Expression.Call(PropertyMethod.MakeGenericMethod(p.ClrType), parameter, Expression.Constant(p.Name)),
                Expression.Constant(ClrText.ToClr(key[i], p.ClrType), p.ClrType)))
            .Aggregate(Expression.AndAlso);
        return Expression.Lambda(body, parameter);
    }

    private IProperty[] KeyProperties(int table)
    {
        var (entity, store, _) = entities.Entities[table];
        return [.. shapes[table].KeyColumns.Select(c => PropertyOf(entity, store, c))];
    }

    private static IProperty PropertyOf(IEntityType entity, StoreObjectIdentifier store, string column) =>
        entity.GetProperties().FirstOrDefault(p => p.GetColumnName(store) == column)
        ?? throw new ArgumentException($"Column \"{store.Name}.{column}\" is not mapped to a property of {entity.DisplayName()}: the isolation kit cannot set or compare it through EF Core. Map it, or give it a default.");

    private static async Task<T> Invoke<T>(MethodInfo method, Type[] types, params object?[] arguments)
    {
        try
        {
            return await ((Task<T>)method.MakeGenericMethod(types).Invoke(null, arguments)!).ConfigureAwait(false);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private static MethodInfo Generic(string name) =>
        typeof(ContextEntityChannel<TContext>).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!;

    private static async Task<List<object>> ReadAllAsync<T>(DbContext context, CancellationToken cancellationToken)
        where T : class =>
        [.. await context.Set<T>().AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false)];

    private static Task<int> ExecuteDeleteCoreAsync<T>(DbContext context, Expression<Func<T, bool>> where, CancellationToken cancellationToken)
        where T : class =>
        context.Set<T>().Where(where).ExecuteDeleteAsync(cancellationToken);

    private static Task<int> ExecuteUpdateCoreAsync<T, TProperty>(DbContext context, Expression<Func<T, bool>> where, string property, TProperty value, CancellationToken cancellationToken)
        where T : class =>
        context.Set<T>().Where(where).ExecuteUpdateAsync(s => s.SetProperty(e => EF.Property<TProperty>(e, property), value), cancellationToken);
}
