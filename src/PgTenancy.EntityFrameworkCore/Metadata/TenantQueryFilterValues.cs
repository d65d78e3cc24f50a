using System.ComponentModel;

namespace PgTenancy.EntityFrameworkCore.Metadata;

/// <summary>
/// Database functions for the optional EF Core query filter: each translates to the tenant bound to the statement,
/// read from the tenant setting on the server (<c>NULLIF(current_setting(…, true), '')::type</c>), exactly what the
/// row-level-security policies compare with. Nothing is evaluated on the client, so the filter can never be frozen
/// into a compiled query, a model or a pooled context, and no tenant bound means NULL: no row matches.
/// </summary>
/// <remarks>Referenced by the query filter expressions PgTenancy builds; not meant for application code.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TenantQueryFilterValues
{
    /// <summary>The bound uuid tenant (SQL only).</summary>
    public static Guid BoundUuid() => throw OnlyInQueries();

    /// <summary>The bound bigint tenant (SQL only).</summary>
    public static long BoundBigInt() => throw OnlyInQueries();

    /// <summary>The bound bigint tenant as an <c>integer</c> column's type (SQL only).</summary>
    public static int BoundInt32() => throw OnlyInQueries();

    /// <summary>The bound bigint tenant as a <c>smallint</c> column's type (SQL only).</summary>
    public static short BoundInt16() => throw OnlyInQueries();

    /// <summary>The bound text tenant (SQL only).</summary>
    public static string BoundText() => throw OnlyInQueries();

    private static InvalidOperationException OnlyInQueries() =>
        new("This function only translates to SQL inside EF Core queries; it cannot be called directly.");
}
