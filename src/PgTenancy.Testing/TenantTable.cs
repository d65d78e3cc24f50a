namespace PgTenancy.Testing;

/// <summary>
/// A tenant table for <see cref="TenantIsolation"/>: its name and tenant column. The kit reads the rest — columns,
/// keys, foreign keys, unique keys — from the server's catalog.
/// </summary>
/// <param name="Name">The table name, unquoted (for example <c>orders</c>).</param>
/// <param name="TenantColumn">The column holding the tenant id.</param>
/// <param name="Schema">The table's schema.</param>
public sealed record TenantTable(string Name, string TenantColumn = TenancyDefaults.TenantColumn, string Schema = "public")
{
    /// <inheritdoc/>
    public override string ToString() => Schema == "public" ? Name : $"{Schema}.{Name}";
}
