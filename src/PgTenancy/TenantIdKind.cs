namespace PgTenancy;

/// <summary>The PostgreSQL type of a tenant column, and so the form a <see cref="TenantId"/> must have.</summary>
public enum TenantIdKind
{
    /// <summary><c>uuid</c>: a GUID, sent in its lower-case canonical form.</summary>
    Uuid,

    /// <summary><c>bigint</c>: a 64-bit integer, sent in invariant decimal form.</summary>
    BigInt,

    /// <summary><c>text</c>: a printable string of at most <see cref="TenantId.MaxTextLength"/> characters.</summary>
    Text,
}
