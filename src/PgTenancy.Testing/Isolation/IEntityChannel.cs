namespace PgTenancy.Testing.Isolation;

/// <summary>
/// EF Core operations on a tenant table, through the user's DbContext for the tenant in scope. Keys and values are
/// text (PostgreSQL's form), converted to and from the entity's CLR property types.
/// </summary>
internal interface IEntityChannel
{
    /// <summary>LINQ <c>AsNoTracking().ToListAsync()</c> over the entity; returns each entity's tenant and key values.</summary>
    Task<List<string?[]>> ReadKeysAsync(int table, CancellationToken cancellationToken);

    /// <summary><c>FindAsync</c> by the full primary key; returns the found entity's tenant and key values, or null.</summary>
    Task<string?[]?> FindAsync(int table, TenantId tenant, string?[] key, CancellationToken cancellationToken);

    /// <summary>Adds entities with the given column values and saves them in one <c>SaveChangesAsync</c>; returns each one's key values.</summary>
    Task<List<string?[]>> InsertAsync(int table, IReadOnlyList<List<(string Column, string? Value)>> rows, CancellationToken cancellationToken);

    /// <summary>Finds the entity by key, changes a column and saves; returns whether it was found.</summary>
    Task<bool> UpdateAsync(int table, TenantId tenant, string?[] key, string column, string? value, CancellationToken cancellationToken);

    /// <summary>Finds the entity by key, removes it and saves; returns whether it was found.</summary>
    Task<bool> RemoveAsync(int table, TenantId tenant, string?[] key, CancellationToken cancellationToken);

    /// <summary><c>Where(key columns == key).ExecuteUpdateAsync(set column)</c>, without a tenant filter; returns the rows affected.</summary>
    Task<int> ExecuteUpdateAsync(int table, string?[] key, string column, string? value, CancellationToken cancellationToken);

    /// <summary><c>Where(key columns == key).ExecuteDeleteAsync()</c>, without a tenant filter; returns the rows affected.</summary>
    Task<int> ExecuteDeleteAsync(int table, string?[] key, CancellationToken cancellationToken);
}
