using System.Security.Cryptography;

namespace PgTenancy.Tool.Backups;

/// <summary>
/// The 256-bit key that encrypts backups: 32 random bytes, stored base64 in a file readable by its owner only. Each
/// backup file derives its own key from it (HKDF with the file's random salt), so no two files share a key and nonces
/// can simply count.
/// </summary>
internal sealed class BackupKey
{
    private readonly byte[] _key;

    private BackupKey(byte[] key) => _key = key;

    public static async Task CreateAsync(string path, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteLineAsync(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).AsMemory(), cancellationToken);
    }

    /// <exception cref="BackupException">The file is readable by others, or is not a key.</exception>
    public static async Task<BackupKey> ReadAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new BackupException($"Key file {path} does not exist. Create one with: pgtenancy backup key --output {path}");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new BackupException($"Key file {path} is readable or writable by other users: anyone who can read it can read every backup. Run chmod 600 {path}.");
        }

        try
        {
            var key = Convert.FromBase64String((await File.ReadAllTextAsync(path, cancellationToken)).Trim());
            return key.Length == 32 ? new BackupKey(key) : throw new FormatException("not 32 bytes");
        }
        catch (FormatException)
        {
            throw new BackupException($"Key file {path} does not hold a backup key (32 bytes, base64). Create one with: pgtenancy backup key --output <file>");
        }
    }

    /// <summary>The key of one backup file, derived from the master key and the file's salt.</summary>
    public byte[] ForFile(ReadOnlySpan<byte> salt)
    {
        var key = new byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, key, salt, "pgtenancy backup v1"u8);
        return key;
    }
}
