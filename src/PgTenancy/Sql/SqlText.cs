namespace PgTenancy.Sql;

/// <summary>Quoting of identifiers and literals for the SQL that PgTenancy generates.</summary>
internal static class SqlText
{
    /// <summary>A double-quoted identifier, safe for any name (quotes inside are doubled).</summary>
    public static string Identifier(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"An identifier cannot contain a NUL character: '{name.Replace("\0", "\\0", StringComparison.Ordinal)}'.", nameof(name));
        }

        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A schema-qualified identifier; without a schema, the unqualified name.</summary>
    public static string Qualified(string? schema, string name) =>
        string.IsNullOrEmpty(schema) ? Identifier(name) : Identifier(schema) + "." + Identifier(name);

    /// <summary>A standard-conforming string literal (single quotes doubled).</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A SQL literal cannot contain a NUL character.", nameof(value));
        }

        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// An escape string literal (<c>E'…'</c>, backslashes and single quotes doubled): it reads the same whatever
    /// <c>standard_conforming_strings</c> is, for a value that must be inlined because the statement takes no parameters (SET).
    /// </summary>
    public static string EscapeLiteral(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A SQL literal cannot contain a NUL character.", nameof(value));
        }

        return "E'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";
    }
}
