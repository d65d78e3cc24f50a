using System.Globalization;

namespace PgTenancy;

/// <summary>
/// The one table of tenant kinds: for each <see cref="TenantIdKind"/>, its SQL type, the column types and CLR types that
/// hold it, and how a tenant's canonical text becomes a CLR value and back. The binding, the policies, the EF Core model
/// (differ, conventions, SaveChanges) and the isolation kit all read it, so a kind is described in one place.
/// </summary>
internal static class TenantKinds
{
    // Catalog types are schema-qualified, so that no type in the caller's search path can stand in (bigint's is int8).
    private static readonly KindInfo[] Kinds =
    [
        new(TenantIdKind.Uuid, "uuid", "pg_catalog.uuid", ["uuid"], [typeof(Guid)]),
        // integer and smallint columns compare with a bigint tenant through PostgreSQL's cross-type integer operators,
        // which indexes on the column still serve; a tenant id out of the column's range matches no row.
        new(TenantIdKind.BigInt, "bigint", "pg_catalog.int8", ["bigint", "integer", "smallint"], [typeof(long), typeof(int), typeof(short)]),
        new(TenantIdKind.Text, "text", "pg_catalog.text", ["text", "character varying"], [typeof(string)]),
    ];

    /// <summary>What PgTenancy knows about <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined kind.</exception>
    public static KindInfo Of(TenantIdKind kind) =>
        Array.Find(Kinds, k => k.Kind == kind)
        ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "Use TenantIdKind.Uuid, BigInt or Text.");

    /// <summary>The kind whose tenants a property of <paramref name="clrType"/> holds, or <see langword="null"/> for none.</summary>
    public static TenantIdKind? ForClrType(Type clrType)
    {
        var type = Nullable.GetUnderlyingType(clrType) ?? clrType;
        return Array.Find(Kinds, k => k.ClrTypes.Contains(type))?.Kind;
    }

    /// <summary>The CLR types a tenant property may have, for error messages.</summary>
    public static string SupportedClrTypes => "Guid (uuid), long, int or short (bigint), or string (text)";

    /// <summary>The error for a tenant whose kind does not fit the configured one, pointing at both possible fixes.</summary>
    public static InvalidOperationException Mismatch(TenantId tenant, TenantIdKind configured) => new(
        $"The current tenant '{tenant}' is a {tenant.Kind} id, but this data source binds {configured} tenants (TenancyOptions.TenantKind). "
        + $"If the tenant column is {Of(configured).SqlType}, the tenant was read in the wrong form: make it with TenantId.Parse(value, TenantIdKind.{configured}). "
        + $"If the tenant column is {Of(tenant.Kind).SqlType}, the options name the wrong kind: set TenantKind = TenantIdKind.{tenant.Kind}.");

    /// <summary>The CLR value of <paramref name="tenant"/>'s canonical text for a property of <paramref name="clrType"/>.</summary>
    /// <exception cref="FormatException">The text does not fit the type (e.g. a bigint tenant out of an int's range).</exception>
    public static object ToClr(string tenant, Type clrType)
    {
        var type = Nullable.GetUnderlyingType(clrType) ?? clrType;
        try
        {
            return type == typeof(Guid) ? Guid.Parse(tenant)
                : type == typeof(long) ? long.Parse(tenant, CultureInfo.InvariantCulture)
                : type == typeof(int) ? int.Parse(tenant, CultureInfo.InvariantCulture)
                : type == typeof(short) ? short.Parse(tenant, CultureInfo.InvariantCulture)
                : type == typeof(string) ? tenant
                : throw new FormatException($"A {type.Name} cannot hold a tenant: use {SupportedClrTypes}.");
        }
        catch (OverflowException e)
        {
            throw new FormatException($"Tenant '{tenant}' does not fit a {type.Name} tenant property.", e);
        }
    }

    /// <summary>The canonical text of a CLR tenant value, to compare with a bound tenant.</summary>
    public static string? ToText(object? value) => value switch
    {
        null => null,
        Guid guid => guid.ToString("D", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>One row of the table.</summary>
    internal sealed record KindInfo(TenantIdKind Kind, string SqlType, string CatalogType, string[] ColumnTypes, Type[] ClrTypes);
}
