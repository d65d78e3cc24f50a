using System.Security.Cryptography;
using PgTenancy.Tool.Backups;
using Xunit;

namespace PgTenancy.Tool.Tests;

/// <summary>The chunked AES-256-GCM format on its own, with dumps larger than one chunk.</summary>
public sealed class EncryptedBackupStreamTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("backup-format-");

    [Theory]
    [InlineData(0)]
    [InlineData(EncryptedBackupStream.ChunkSize)]
    [InlineData((3 * EncryptedBackupStream.ChunkSize) + 17)]
    public async Task What_is_encrypted_decrypts_to_the_same_bytes(int size)
    {
        var key = await KeyAsync("k");
        var plain = RandomNumberGenerator.GetBytes(size);

        var encrypted = await EncryptAsync(plain, key);
        var decrypted = await DecryptAsync(encrypted, key);

        Assert.Equal(plain, decrypted);
    }

    [Fact]
    public async Task Dropping_the_last_whole_chunk_is_detected()
    {
        var key = await KeyAsync("k");
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(2 * EncryptedBackupStream.ChunkSize + 5), key);
        var oneChunk = 4 + EncryptedBackupStream.ChunkSize + 16;
        var header = 8 + 32;

        var error = await Assert.ThrowsAsync<BackupException>(() => DecryptAsync(encrypted[..(header + (2 * oneChunk))], key));

        Assert.Contains("is cut off", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swapping_two_chunks_is_detected()
    {
        var key = await KeyAsync("k");
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * EncryptedBackupStream.ChunkSize), key);
        var oneChunk = 4 + EncryptedBackupStream.ChunkSize + 16;
        var header = 8 + 32;
        var swapped = encrypted.ToArray();
        encrypted.AsSpan(header, oneChunk).CopyTo(swapped.AsSpan(header + oneChunk));
        encrypted.AsSpan(header + oneChunk, oneChunk).CopyTo(swapped.AsSpan(header));

        var error = await Assert.ThrowsAsync<BackupException>(() => DecryptAsync(swapped, key));

        Assert.Contains("is damaged or was modified", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_backups_of_the_same_data_differ()
    {
        var key = await KeyAsync("k");
        var plain = RandomNumberGenerator.GetBytes(1000);

        Assert.NotEqual(await EncryptAsync(plain, key), await EncryptAsync(plain, key));
    }

    private async Task<BackupKey> KeyAsync(string name)
    {
        var path = Path.Combine(_folder.FullName, name);
        await BackupKey.CreateAsync(path, TestContext.Current.CancellationToken);
        return await BackupKey.ReadAsync(path, TestContext.Current.CancellationToken);
    }

    private static async Task<byte[]> EncryptAsync(byte[] plain, BackupKey key)
    {
        using var output = new MemoryStream();
        await EncryptedBackupStream.EncryptAsync(new MemoryStream(plain), output, key, TestContext.Current.CancellationToken);
        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] encrypted, BackupKey key)
    {
        using var output = new MemoryStream();
        await EncryptedBackupStream.DecryptAsync(new MemoryStream(encrypted), output, key, "test.pgtb", TestContext.Current.CancellationToken);
        return output.ToArray();
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
