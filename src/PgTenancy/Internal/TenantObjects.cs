using System.Data.Common;

namespace PgTenancy.Internal;

/// <summary>
/// The checks behind the ADO.NET <c>Connection</c> and <c>Transaction</c> setters of tenant-bound commands and batches:
/// a raw Npgsql connection or transaction would run them without the tenant binding, so only tenant-bound ones are taken.
/// </summary>
internal static class TenantObjects
{
    public static TenantConnection? RequireConnection(DbConnection? value, string owner) => value switch
    {
        null => null,
        TenantConnection connection => connection,
        _ => throw new ArgumentException(
            $"A {owner} runs only on a TenantConnection (got {value.GetType().Name}): a raw connection would run it without the tenant binding. Open connections from the TenantDataSource.",
            nameof(value)),
    };

    public static TenantTransaction? RequireTransaction(DbTransaction? value, string owner) => value switch
    {
        null => null,
        TenantTransaction transaction => transaction,
        _ => throw new ArgumentException(
            $"A {owner} runs only in a TenantTransaction (got {value.GetType().Name}). Begin transactions on the TenantConnection.",
            nameof(value)),
    };
}
