using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace PgTenancy;

/// <summary>
/// The identity of one tenant: a uuid, a bigint or a text, validated when it is made and kept in the canonical form
/// that is sent to PostgreSQL (always as a parameter, never spliced into SQL).
/// </summary>
/// <example>
/// <code>
/// var acme = TenantId.From(Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7"));
/// var fromHeader = TenantId.Parse(request.Headers["X-Tenant"], TenantIdKind.Uuid);
/// </code>
/// </example>
public sealed class TenantId : IEquatable<TenantId>
{
    /// <summary>The longest text tenant id accepted.</summary>
    public const int MaxTextLength = 128;

    private TenantId(TenantIdKind kind, string value)
    {
        Kind = kind;
        Value = value;
    }

    /// <summary>The kind of id, which must match the tenant column's type.</summary>
    public TenantIdKind Kind { get; }

    /// <summary>The canonical string form, exactly what is sent to the server.</summary>
    public string Value { get; }

    /// <summary>A uuid tenant id.</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is <see cref="Guid.Empty"/>, which is never a tenant.</exception>
    public static TenantId From(Guid value)
    {
        if (value == Guid.Empty)
        {
            throw new ArgumentException("Guid.Empty is not a tenant id: it is what an unset Guid property holds. Use the tenant's own id.", nameof(value));
        }

        return new TenantId(TenantIdKind.Uuid, value.ToString("D", CultureInfo.InvariantCulture));
    }

    /// <summary>A bigint tenant id.</summary>
    public static TenantId From(long value) => new(TenantIdKind.BigInt, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A text tenant id.</summary>
    /// <exception cref="FormatException"><paramref name="value"/> is empty, too long, or contains control characters or surrounding white space.</exception>
    public static TenantId FromText(string value) => Parse(value, TenantIdKind.Text);

    /// <summary>
    /// Parses a tenant id and infers its kind: a GUID in its 36-character form is a uuid, a decimal integer (no sign,
    /// no leading zeros) is a bigint, anything else is text. Use <see cref="Parse(string, TenantIdKind)"/> when the
    /// kind is known, which is stricter.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="FormatException"><paramref name="value"/> is not a valid tenant id of any kind.</exception>
    public static TenantId Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParseAny(value, out var id, out var error) ? id : throw new FormatException(error);
    }

    /// <summary>Parses a tenant id of a known kind.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="FormatException"><paramref name="value"/> is not a valid id of <paramref name="kind"/>; the message says why.</exception>
    public static TenantId Parse(string value, TenantIdKind kind)
    {
        ArgumentNullException.ThrowIfNull(value);
        return TryParseKind(value, kind, out var id, out var error) ? id : throw new FormatException(error);
    }

    /// <summary>Parses a tenant id and infers its kind, without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, [NotNullWhen(true)] out TenantId? tenantId)
    {
        if (value is not null && TryParseAny(value, out tenantId, out _))
        {
            return true;
        }

        tenantId = null;
        return false;
    }

    /// <summary>Parses a tenant id of a known kind, without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? value, TenantIdKind kind, [NotNullWhen(true)] out TenantId? tenantId)
    {
        if (value is not null && TryParseKind(value, kind, out tenantId, out _))
        {
            return true;
        }

        tenantId = null;
        return false;
    }

    /// <summary>
    /// Whether this id can be bound to a tenant column of <paramref name="columnKind"/>: the same kind, or any kind
    /// for a text column (its canonical string is the text).
    /// </summary>
    public bool Fits(TenantIdKind columnKind) => Kind == columnKind || columnKind == TenantIdKind.Text;

    /// <inheritdoc/>
    public bool Equals(TenantId? other) => other is not null && Kind == other.Kind && Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TenantId);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Value);

    /// <summary>The canonical string form.</summary>
    public override string ToString() => Value;

    /// <summary>Equality of kind and canonical value.</summary>
    public static bool operator ==(TenantId? left, TenantId? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality of kind or canonical value.</summary>
    public static bool operator !=(TenantId? left, TenantId? right) => !(left == right);

    private static bool TryParseAny(string value, [NotNullWhen(true)] out TenantId? id, out string error)
    {
        if (value.Length == 36 && TryParseKind(value, TenantIdKind.Uuid, out id, out error))
        {
            return true;
        }

        if (value.Length is > 0 and <= 19 && value.All(char.IsAsciiDigit) && (value == "0" || value[0] != '0')
            && TryParseKind(value, TenantIdKind.BigInt, out id, out error))
        {
            return true;
        }

        return TryParseKind(value, TenantIdKind.Text, out id, out error);
    }

    private static bool TryParseKind(string value, TenantIdKind kind, [NotNullWhen(true)] out TenantId? id, out string error)
    {
        id = null;
        if (value.Length == 0 || string.IsNullOrWhiteSpace(value))
        {
            error = "A tenant id cannot be empty or white space: the tenant was not resolved. Check how the tenant is read (header, claim, host).";
            return false;
        }

        if (value.Length > MaxTextLength)
        {
            error = $"A tenant id is at most {MaxTextLength} characters; this one has {value.Length}.";
            return false;
        }

        if (value.Any(char.IsControl))
        {
            error = $"A tenant id cannot contain control characters (found one at position {value.ToList().FindIndex(char.IsControl)}).";
            return false;
        }

        switch (kind)
        {
            case TenantIdKind.Uuid:
                if (!Guid.TryParseExact(value, "D", out var guid))
                {
                    error = $"'{Printable(value)}' is not a uuid tenant id: expected 36 characters like 7c9e6679-7425-40de-944b-e07fc1f90ae7.";
                    return false;
                }

                if (guid == Guid.Empty)
                {
                    error = "00000000-0000-0000-0000-000000000000 is not a tenant id: it is what an unset Guid holds.";
                    return false;
                }

                id = new TenantId(kind, guid.ToString("D", CultureInfo.InvariantCulture));
                break;
            case TenantIdKind.BigInt:
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    error = $"'{Printable(value)}' is not a bigint tenant id: expected a whole number between {long.MinValue} and {long.MaxValue}.";
                    return false;
                }

                id = new TenantId(kind, number.ToString(CultureInfo.InvariantCulture));
                break;
            case TenantIdKind.Text:
                if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
                {
                    error = $"'{Printable(value)}' has white space at its start or end, which would make two spellings of one tenant. Trim it first.";
                    return false;
                }

                id = new TenantId(kind, value);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Use TenantIdKind.Uuid, BigInt or Text.");
        }

        error = "";
        return true;
    }

    // Error messages quote the rejected input; keep them short and on one line.
    private static string Printable(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
