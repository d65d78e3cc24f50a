using System.Globalization;

namespace PgTenancy.Testing.Isolation;

/// <summary>Converts between PostgreSQL's text form of a value (what the kit generates and compares) and a CLR property value.</summary>
internal static class ClrText
{
    public static object? ToClr(string? text, Type type)
    {
        if (text is null)
        {
            return null;
        }

        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target.IsEnum)
        {
            return Enum.Parse(target, text);
        }

        return target switch
        {
            _ when target == typeof(string) => text,
            _ when target == typeof(Guid) => Guid.Parse(text, CultureInfo.InvariantCulture),
            _ when target == typeof(bool) => text is "t" or "true",
            _ when target == typeof(DateTime) => DateTime.SpecifyKind(DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc),
            _ when target == typeof(DateTimeOffset) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            _ when target == typeof(DateOnly) => DateOnly.Parse(text, CultureInfo.InvariantCulture),
            _ => Convert.ChangeType(text, target, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The text PostgreSQL prints for keys and tenant ids of the usual types (uuid, integers, text).</summary>
    public static string? ToText(object? value) => value switch
    {
        null => null,
        Guid g => g.ToString("D"),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
