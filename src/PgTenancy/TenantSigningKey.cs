using System.Security.Cryptography;
using System.Text;

namespace PgTenancy;

/// <summary>
/// A key that signs tenant tokens: the application proves the tenant of each statement with it, and PostgreSQL verifies
/// the proof with the same key, installed in a table the application role cannot read (docs/security.md). Keep the key
/// in the application's secret store; it is never written to a migration, a log or <see cref="ToString"/>.
/// </summary>
/// <example>
/// <code>
/// var key = TenantSigningKey.FromBase64(1, configuration["PgTenancy:SigningKey"]!);   // 32 random bytes, base64
/// var dataSource = appDataSource.WithTenancy(new TenancyOptions { SigningKey = key });
/// </code>
/// </example>
public sealed class TenantSigningKey : IEquatable<TenantSigningKey>
{
    /// <summary>The shortest key accepted: 32 bytes (256 bits), the output size of SHA-256.</summary>
    public const int MinimumLength = 32;

    private const int BlockSize = 64;
    private readonly byte[] _key;

    /// <summary>Makes a key from its id and bytes (copied).</summary>
    /// <param name="id">The key's id, from 1: tokens name it, so the database knows which key to verify with.</param>
    /// <param name="key">The key: at least <see cref="MinimumLength"/> random bytes, at most 64.</param>
    /// <exception cref="ArgumentOutOfRangeException">The id is below 1, or the key is shorter than 32 or longer than 64 bytes.</exception>
    public TenantSigningKey(int id, ReadOnlySpan<byte> key)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1);
        if (key.Length is < MinimumLength or > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(key), $"A tenant signing key has {MinimumLength} to {BlockSize} bytes; this one has {key.Length}. Make one with TenantSigningKey.Generate(id) or `pgtenancy keys add`.");
        }

        Id = id;
        _key = key.ToArray();
    }

    /// <summary>The key's id.</summary>
    public int Id { get; }

    /// <summary>A new key of 32 random bytes.</summary>
    public static TenantSigningKey Generate(int id) => new(id, RandomNumberGenerator.GetBytes(MinimumLength));

    /// <summary>A key from its base64 text, as kept in configuration.</summary>
    /// <exception cref="FormatException">The text is not base64.</exception>
    public static TenantSigningKey FromBase64(int id, string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return new TenantSigningKey(id, Convert.FromBase64String(key));
    }

    /// <summary>The key as base64, to store in the application's secret store.</summary>
    public string ToBase64() => Convert.ToBase64String(_key);

    /// <summary>
    /// The signed token for <paramref name="tenant"/> (its canonical text) in <paramref name="database"/>, good until
    /// <paramref name="expires"/>: <c>v1.&lt;id&gt;.&lt;tenant hex&gt;.&lt;expiry&gt;.&lt;HMAC-SHA256 hex&gt;</c>.
    /// </summary>
    public string Sign(string tenant, string database, DateTimeOffset expires)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(database);
        var body = $"v1.{Id}.{Convert.ToHexStringLower(Encoding.UTF8.GetBytes(tenant))}.{expires.ToUnixTimeSeconds()}";
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(body + "." + database));
        return body + "." + Convert.ToHexStringLower(mac);
    }

    /// <summary>The key's inner and outer HMAC pads (key XOR 0x36…, key XOR 0x5c…), which the database verifies with.</summary>
    internal (byte[] Inner, byte[] Outer) Pads()
    {
        var inner = new byte[BlockSize];
        var outer = new byte[BlockSize];
        for (var i = 0; i < BlockSize; i++)
        {
            var b = i < _key.Length ? _key[i] : (byte)0;
            inner[i] = (byte)(b ^ 0x36);
            outer[i] = (byte)(b ^ 0x5c);
        }

        return (inner, outer);
    }

    /// <inheritdoc/>
    public bool Equals(TenantSigningKey? other) =>
        other is not null && Id == other.Id && CryptographicOperations.FixedTimeEquals(_key, other._key);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TenantSigningKey);

    /// <inheritdoc/>
    public override int GetHashCode() => Id;

    /// <summary>Names the key by its id only: the key itself never appears in text.</summary>
    public override string ToString() => $"tenant signing key {Id}";
}
