using System.Globalization;

namespace PgTenancy.Testing.Isolation;

/// <summary>
/// The tenant ids a case runs with. Besides plain ids, families of ids that sit close to each other, chosen to expose
/// policies that compare loosely: ids that prefix each other, differ only in case, carry LIKE pattern characters, look
/// alike in Unicode (the same after NFKC or NFC normalization, or under a case- or accent-insensitive collation), and
/// for integers the boundary values and digit prefixes. A sound policy compares with <c>=</c> on the column's type and
/// keeps every one of them apart; a loose one lets one tenant of a family see another's rows.
/// </summary>
internal static class TenantFamilies
{
    /// <summary>How many families <paramref name="kind"/> has, the plain one (number 0) included.</summary>
    public static int Count(TenantIdKind kind) => kind switch
    {
        TenantIdKind.Text => 6,
        TenantIdKind.BigInt => 5,
        _ => 4,
    };

    /// <summary>
    /// <paramref name="count"/> distinct ids of family <paramref name="family"/> around <paramref name="stem"/>, in the
    /// order <paramref name="order"/> gives (a permutation seed), padded with plain ids when the family is smaller.
    /// Integer ids stay within <paramref name="range"/>, the range of the narrowest tenant column.
    /// </summary>
    public static TenantId[] Ids(TenantIdKind kind, int family, int stem, int count, int order, (long Min, long Max) range)
    {
        var members = Members(kind, family % Count(kind), stem, range).Distinct().ToList();
        var shuffled = members.OrderBy(m => StableHash(m, order)).ToList();
        for (var i = 0; shuffled.Count < count; i++)
        {
            var plain = Plain(kind, stem, i + 100);
            if (!shuffled.Contains(plain))
            {
                shuffled.Add(plain);
            }
        }

        return [.. shuffled.Take(count).Select(value => TenantId.Parse(value, kind))];
    }

    private static IEnumerable<string> Members(TenantIdKind kind, int family, int stem, (long Min, long Max) range) => (kind, family) switch
    {
        (_, 0) => Enumerable.Range(0, 4).Select(i => Plain(kind, stem, i)),

        // Text: prefixes, case, LIKE patterns, Unicode look-alikes, and values a policy may treat specially.
        (TenantIdKind.Text, 1) => [$"t{stem}", $"t{stem}0", $"t{stem}00", $"t{stem}1"],
        (TenantIdKind.Text, 2) => [$"acme{stem}", $"ACME{stem}", $"Acme{stem}", $"aCME{stem}"],
        (TenantIdKind.Text, 3) => [$"acme{stem}", $"acm_{stem}", $"acme{stem}%", "%", $"_cme{stem}"],
        (TenantIdKind.Text, 4) => [$"cafe{stem}", $"caf\u00e9{stem}", $"cafe\u0301{stem}", $"\uff43afe{stem}", $"\u0441afe{stem}"],
        (TenantIdKind.Text, _) => ["0", "null", "-", $"{stem}", "default"],

        // Integers: small values and signs, digit prefixes, the column's bounds, and a value and its neighbours.
        (TenantIdKind.BigInt, 1) => Within(range, 0, 1, -1, 2),
        (TenantIdKind.BigInt, 2) => Within(range, 1, 10, 100, 11, 101),
        (TenantIdKind.BigInt, 3) => Within(range, range.Max, range.Min, range.Max - 1, range.Min + 1),
        (TenantIdKind.BigInt, _) => Within(range, stem, stem + 1, -stem, stem * 10L),

        // Uuids: differing in one byte, sharing the first group, the extremes.
        (_, 1) => Enumerable.Range(1, 4).Select(i => Uuid(stem, (byte)i)),
        (_, 2) => Enumerable.Range(1, 4).Select(i => new Guid(stem, (short)i, (short)(0x4000 + i), 0x80, (byte)i, 0, 0, 0, 0, 0, (byte)(9 * i)).ToString("D")),
        _ => ["00000000-0000-0000-0000-000000000001", "ffffffff-ffff-ffff-ffff-ffffffffffff", "80000000-0000-0000-0000-000000000000", "7fffffff-ffff-ffff-ffff-ffffffffffff"],
    };

    private static string Plain(TenantIdKind kind, int stem, int index) => kind switch
    {
        TenantIdKind.Uuid => new Guid(stem, (short)index, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, (byte)index).ToString("D"),
        TenantIdKind.BigInt => ((stem * 16L) + index).ToString(CultureInfo.InvariantCulture),
        _ => string.Create(CultureInfo.InvariantCulture, $"tenant-{stem}-{index}"),
    };

    private static string Uuid(int stem, byte last) => new Guid(stem, 0x1234, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, last).ToString("D");

    private static IEnumerable<string> Within((long Min, long Max) range, params long[] values) =>
        values.Where(v => v >= range.Min && v <= range.Max).Select(v => v.ToString(CultureInfo.InvariantCulture));

    private static int StableHash(string value, int order)
    {
        var hash = order;
        foreach (var c in value)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash;
    }
}
