using System.Buffers.Binary;
using System.Security.Cryptography;

namespace PgTenancy.Tool.Backups;

/// <summary>
/// The encrypted backup file format (v1), AES-256-GCM in chunks so that a dump of any size streams through memory:
/// <code>
/// header: "PGTNCYB1" | salt (16 bytes) | key check (16 bytes)
/// chunk*: length (4 bytes, big endian) | ciphertext | tag (16 bytes)
/// </code>
/// The file key is HKDF(master key, salt). Chunk i is sealed with nonce = 0000 | i (8 bytes, big endian) and the
/// header, i and a final-chunk flag as associated data, so chunks cannot be reordered, dropped or cut off at the end
/// without the tag failing. The key check (HMAC of the file key) tells a wrong key apart from a damaged file.
/// </summary>
internal static class EncryptedBackupStream
{
    public const int ChunkSize = 64 * 1024;
    private const int TagSize = 16;
    private static readonly byte[] Magic = "PGTNCYB1"u8.ToArray();

    public static async Task EncryptAsync(Stream plain, Stream encrypted, BackupKey masterKey, CancellationToken cancellationToken)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var key = masterKey.ForFile(salt);
        var header = Header(salt, key);
        await encrypted.WriteAsync(header, cancellationToken);
        using var aes = new AesGcm(key, TagSize);
        var buffer = new byte[ChunkSize];
        var next = new byte[ChunkSize];
        var length = await FillAsync(plain, buffer, cancellationToken);
        for (long index = 0; ; index++)
        {
            // Read one chunk ahead: the chunk before the end of the stream is the one marked final.
            var nextLength = length == ChunkSize ? await FillAsync(plain, next, cancellationToken) : 0;
            var final = nextLength == 0;
            var cipher = new byte[length];
            var tag = new byte[TagSize];
            aes.Encrypt(Nonce(index), buffer.AsSpan(0, length), cipher, tag, Associated(header, index, final));
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, length);
            await encrypted.WriteAsync(prefix, cancellationToken);
            await encrypted.WriteAsync(cipher, cancellationToken);
            await encrypted.WriteAsync(tag, cancellationToken);
            if (final)
            {
                return;
            }

            (buffer, next, length) = (next, buffer, nextLength);
        }
    }

    /// <exception cref="BackupException">Not a backup file, the wrong key, or a damaged, modified or cut-off file.</exception>
    public static async Task DecryptAsync(Stream encrypted, Stream plain, BackupKey masterKey, string name, CancellationToken cancellationToken)
    {
        var header = new byte[Magic.Length + 32];
        if (await FillAsync(encrypted, header, cancellationToken) != header.Length || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new BackupException($"{name} is not a PgTenancy backup (it does not start with the PGTNCYB1 header).");
        }

        var key = masterKey.ForFile(header.AsSpan(Magic.Length, 16));
        if (!CryptographicOperations.FixedTimeEquals(header.AsSpan(Magic.Length + 16, 16), Header(header.AsSpan(Magic.Length, 16).ToArray(), key).AsSpan(Magic.Length + 16, 16)))
        {
            throw new BackupException($"{name} was encrypted with another key: give the key file it was made with.");
        }

        using var aes = new AesGcm(key, TagSize);
        var prefix = new byte[4];
        for (long index = 0; ; index++)
        {
            if (await FillAsync(encrypted, prefix, cancellationToken) != 4)
            {
                throw new BackupException($"{name} is cut off: its last chunk is missing. Use another copy of the backup.");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
            if (length is < 0 or > ChunkSize)
            {
                throw Damaged(name);
            }

            var cipher = new byte[length];
            var tag = new byte[TagSize];
            if (await FillAsync(encrypted, cipher, cancellationToken) != length || await FillAsync(encrypted, tag, cancellationToken) != TagSize)
            {
                throw new BackupException($"{name} is cut off in chunk {index}. Use another copy of the backup.");
            }

            var output = new byte[length];
            var final = length < ChunkSize || AtEnd(encrypted);
            try
            {
                aes.Decrypt(Nonce(index), cipher, tag, output, Associated(header, index, final));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw final && length == ChunkSize ? new BackupException($"{name} is cut off after chunk {index}. Use another copy of the backup.") : Damaged(name);
            }

            await plain.WriteAsync(output, cancellationToken);
            if (final)
            {
                if (!AtEnd(encrypted))
                {
                    throw Damaged(name);
                }

                return;
            }
        }
    }

    private static BackupException Damaged(string name) =>
        new($"{name} is damaged or was modified: AES-GCM authentication failed, so none of its content can be trusted. Use another copy of the backup.");

    private static byte[] Header(byte[] salt, byte[] key) => [.. Magic, .. salt, .. HMACSHA256.HashData(key, "pgtenancy key check"u8)[..16]];

    private static byte[] Nonce(long index)
    {
        var nonce = new byte[12];
        BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(4), index);
        return nonce;
    }

    private static byte[] Associated(byte[] header, long index, bool final)
    {
        var data = new byte[header.Length + 9];
        header.CopyTo(data, 0);
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(header.Length), index);
        data[^1] = final ? (byte)1 : (byte)0;
        return data;
    }

    private static async Task<int> FillAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>Backups are decrypted from files: the end of the file tells which chunk must carry the final flag.</summary>
    private static bool AtEnd(Stream stream) =>
        stream.CanSeek ? stream.Position >= stream.Length : throw new NotSupportedException("Backups are decrypted from a file, which can seek.");
}
