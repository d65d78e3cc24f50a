using PgTenancy;

namespace WebApi.Hosting;

/// <summary>
/// The key the app signs each statement's tenant with, from configuration: <c>PgTenancy:SigningKeyId</c> and
/// <c>PgTenancy:SigningKey</c> (base64, as <c>pgtenancy keys add</c> writes it). Keep it in a secret store (user secrets,
/// environment variables, a vault), never in appsettings.json or source: whoever holds it can prove any tenant.
/// </summary>
public static class ShopSigningKey
{
    /// <summary>The configuration key of the key's id.</summary>
    public const string IdKey = "PgTenancy:SigningKeyId";

    /// <summary>The configuration key of the key itself (base64).</summary>
    public const string KeyKey = "PgTenancy:SigningKey";

    /// <exception cref="InvalidOperationException">The id or the key is missing or malformed; the message says which and what to do.</exception>
    public static TenantSigningKey From(IConfiguration configuration)
    {
        var id = configuration[IdKey];
        var key = configuration[KeyKey];
        if (string.IsNullOrWhiteSpace(id) || string.IsNullOrWhiteSpace(key))
        {
            throw new InvalidOperationException(
                $"Set {IdKey} and {KeyKey} (base64) to a key installed in the database (`pgtenancy keys add --id <n> --output <file>` " +
                "makes one, installs it and writes it to the file), or run in the Development environment to use an embedded PostgreSQL server with a key made for it.");
        }

        if (!int.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var keyId) || keyId < 1)
        {
            throw new InvalidOperationException($"{IdKey} is '{id}'; it must be the installed key's id, a whole number from 1 (`pgtenancy keys list`).");
        }

        try
        {
            return TenantSigningKey.FromBase64(keyId, key);
        }
        catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
        {
            // The message must never echo the key.
            throw new InvalidOperationException($"{KeyKey} is not a tenant signing key: {e.Message}", e);
        }
    }
}
