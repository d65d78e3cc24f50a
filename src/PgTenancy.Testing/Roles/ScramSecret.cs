using System.Security.Cryptography;
using System.Text;

namespace PgTenancy.Testing.Roles;

/// <summary>
/// Computes a PostgreSQL SCRAM-SHA-256 secret (RFC 5802/7677, the format of <c>pg_authid.rolpassword</c>) on the
/// client, so that <c>CREATE ROLE … PASSWORD</c> never carries a plain password: pgaudit logs role statements
/// verbatim, and a plain password would land in the server log.
/// </summary>
internal static class ScramSecret
{
    private const int Iterations = 4096;

    /// <param name="password">ASCII without control characters: SASLprep leaves such a password unchanged.</param>
    public static string Create(string password)
    {
        if (password.Any(c => c is < (char)0x21 or > (char)0x7E))
        {
            throw new ArgumentException("Only printable ASCII passwords are supported (they need no SASLprep).", nameof(password));
        }

        var salt = RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${Iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }

    /// <summary>A random password of 32 letters and digits.</summary>
    public static string NewPassword() =>
        RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 32);
}
