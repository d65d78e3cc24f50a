namespace PgTenancy.Binding;

/// <summary>
/// Recognises command text that is exactly one statement PostgreSQL refuses inside a transaction block (VACUUM,
/// CREATE INDEX CONCURRENTLY…). The binding travels in the statement's transaction, so such a statement cannot be bound;
/// it is sent unbound instead, which is safe: these statements return no rows, and with no tenant bound the policies
/// match no row anyway. Anything else — two statements, a statement that merely mentions VACUUM — is bound as usual.
/// </summary>
internal static class NonTransactionalStatement
{
    // Leading words of the statements PostgreSQL runs only outside a transaction block (PostgreSQL 15's
    // PreventInTransactionBlock callers that an application might send).
    private static readonly string[][] Shapes =
    [
        ["VACUUM"],
        ["CREATE", "INDEX", "CONCURRENTLY"],
        ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"],
        ["DROP", "INDEX", "CONCURRENTLY"],
        ["REINDEX", "*", "CONCURRENTLY"],
        ["REINDEX", "DATABASE"],
        ["REINDEX", "SYSTEM"],
        ["CREATE", "DATABASE"],
        ["DROP", "DATABASE"],
        ["CREATE", "TABLESPACE"],
        ["DROP", "TABLESPACE"],
        ["ALTER", "SYSTEM"],
    ];

    /// <summary>
    /// Whether <paramref name="sql"/> is one statement that cannot run in a transaction block; <paramref name="statement"/>
    /// names it (e.g. <c>VACUUM</c>) for the log.
    /// </summary>
    public static bool Is(string? sql, out string statement)
    {
        statement = "";
        if (string.IsNullOrWhiteSpace(sql))
        {
            return false;
        }

        // Every command asks: the first few words settle it for almost all of them, and only a match reads the whole text.
        var words = LeadingWords(sql, 4);
        var shape = Array.Find(Shapes, s => Matches(words, s));
        if (shape is null || !IsSingleStatement(sql))
        {
            return false;
        }

        statement = string.Join(' ', shape.Where(w => w != "*"));
        return true;
    }

    private static bool Matches(List<string> words, string[] shape)
    {
        if (shape[0] == "REINDEX" && shape[^1] == "CONCURRENTLY")
        {
            // REINDEX [ ( options ) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM } CONCURRENTLY name
            return words.Count > 0 && words[0] == "REINDEX" && words.Contains("CONCURRENTLY");
        }

        return words.Count >= shape.Length && shape.Select((w, i) => w == "*" || words[i] == w).All(m => m);
    }

    // The first words of the text, upper-cased, after comments and white space; a parenthesised option list counts as "*".
    private static List<string> LeadingWords(string sql, int count)
    {
        var words = new List<string>();
        var i = 0;
        while (words.Count < count && i < sql.Length)
        {
            i = SkipSpaceAndComments(sql, i);
            if (i >= sql.Length)
            {
                break;
            }

            if (char.IsLetter(sql[i]))
            {
                var start = i;
                while (i < sql.Length && (char.IsLetterOrDigit(sql[i]) || sql[i] == '_'))
                {
                    i++;
                }

                words.Add(sql[start..i].ToUpperInvariant());
            }
            else if (sql[i] == '(')
            {
                var depth = 0;
                do
                {
                    depth += sql[i] == '(' ? 1 : sql[i] == ')' ? -1 : 0;
                    i++;
                }
                while (i < sql.Length && depth > 0);
                words.Add("*");
            }
            else
            {
                break;
            }
        }

        return words;
    }

    // One statement: no semicolon outside quotes and comments, except one at the end followed by nothing but space and comments.
    private static bool IsSingleStatement(string sql)
    {
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == ';')
            {
                return SkipSpaceAndComments(sql, i + 1) >= sql.Length;
            }

            if (c is '\'' or '"')
            {
                i = SkipQuoted(sql, i, c);
            }
            else if (c == '$' && DollarTag(sql, i) is { } tag)
            {
                var end = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                if (end < 0)
                {
                    return false;
                }

                i = end + tag.Length;
            }
            else if (c == '-' || c == '/')
            {
                var next = SkipSpaceAndComments(sql, i);
                i = next == i ? i + 1 : next;
            }
            else
            {
                i++;
            }
        }

        return true;
    }

    private static int SkipQuoted(string sql, int i, char quote)
    {
        // 'it''s' and "a""b": a doubled quote stays inside. E'…' escapes are treated as plain quotes, which only errs
        // towards "not a single statement", that is, towards binding.
        i++;
        while (i < sql.Length)
        {
            if (sql[i] == quote)
            {
                if (i + 1 < sql.Length && sql[i + 1] == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return i;
    }

    private static string? DollarTag(string sql, int i)
    {
        var end = i + 1;
        while (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] == '_'))
        {
            end++;
        }

        return end < sql.Length && sql[end] == '$' && (end == i + 1 || !char.IsDigit(sql[i + 1])) ? sql[i..(end + 1)] : null;
    }

    private static int SkipSpaceAndComments(string sql, int i)
    {
        while (i < sql.Length)
        {
            if (char.IsWhiteSpace(sql[i]))
            {
                i++;
            }
            else if (sql[i] == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
            }
            else if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                // Block comments nest in PostgreSQL.
                var depth = 0;
                do
                {
                    if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
                    {
                        depth++;
                        i += 2;
                    }
                    else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
                    {
                        depth--;
                        i += 2;
                    }
                    else
                    {
                        i++;
                    }
                }
                while (i < sql.Length && depth > 0);
            }
            else
            {
                break;
            }
        }

        return i;
    }
}
