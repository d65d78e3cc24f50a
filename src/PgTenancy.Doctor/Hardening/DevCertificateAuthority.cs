using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PgTenancy.Doctor.Hardening;

/// <summary>
/// A throwaway certificate authority, for development and tests only: a CA certificate, a server certificate for the
/// given names and addresses (so that clients can use <c>verify-full</c>), and optionally a client certificate whose
/// common name is a role (as <c>cert</c> authentication requires). ECDSA P-256, PEM text. Shared by the throwaway test
/// servers (PgTenancy.Testing) and <c>pgtenancy harden --dev-ca</c> (PgTenancy.Doctor).
/// </summary>
internal sealed record DevCertificateAuthority(
    string CaCertificate, string CaKey, string ServerCertificate, string ServerKey, string? ClientCertificate, string? ClientKey)
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>The files <c>pgtenancy harden --dev-ca</c> writes, by name, each with its part of the authority.</summary>
    public static readonly string[] FileNames = ["ca.crt", "ca.key", "server.crt", "server.key", "admin.crt", "admin.key"];

    /// <summary>
    /// The authority an earlier <c>harden --dev-ca</c> wrote into <paramref name="folder"/>, or null when the folder
    /// does not hold all of its files: a second run (for PgBouncer's user list) must keep the certificates the server
    /// and its clients already trust, not replace them.
    /// </summary>
    public static DevCertificateAuthority? Read(string folder)
    {
        var paths = FileNames.Select(name => Path.Combine(folder, name)).ToArray();
        if (!paths.All(File.Exists))
        {
            return null;
        }

        var texts = paths.Select(File.ReadAllText).ToArray();
        return new DevCertificateAuthority(texts[0], texts[1], texts[2], texts[3], texts[4], texts[5]);
    }

    public static DevCertificateAuthority Create(IReadOnlyList<string> serverNames, string? clientCommonName, TimeSpan lifetime)
    {
        var notBefore = DateTimeOffset.UtcNow.AddHours(-1);
        var notAfter = notBefore.Add(lifetime);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=PgTenancy development CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in serverNames)
        {
            if (IPAddress.TryParse(name, out var address))
            {
                names.AddIpAddress(address);
            }
            else
            {
                names.AddDnsName(name);
            }
        }

        var (serverCertificate, serverKey) = Issue(ca, $"CN={serverNames[0]}", names.Build(), X509KeyUsageFlags.DigitalSignature, ServerAuthentication);
        var (clientCertificate, clientKey) = clientCommonName is null
            ? (null, null)
            : Issue(ca, $"CN={clientCommonName}", null, X509KeyUsageFlags.DigitalSignature, ClientAuthentication);
        return new DevCertificateAuthority(ca.ExportCertificatePem(), caKey.ExportPkcs8PrivateKeyPem(), serverCertificate, serverKey, clientCertificate, clientKey);
    }

    private static (string Certificate, string Key) Issue(X509Certificate2 ca, string subject, X509Extension? names, X509KeyUsageFlags usage, string purpose)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(purpose)], false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names);
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number
        using var issued = request.Create(ca, ca.NotBefore, ca.NotAfter, serial);
        return (issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
