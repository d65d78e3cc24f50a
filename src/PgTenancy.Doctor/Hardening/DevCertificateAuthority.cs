using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PgTenancy.Doctor.Hardening;

/// <summary>
/// A throwaway CA for development and tests: a CA certificate, a server certificate for the given names and
/// addresses, and a client certificate for the administrator (its common name is the role, as <c>cert</c>
/// authentication requires). ECDSA P-256, valid 30 days. Never for production: the CA key sits next to the files.
/// </summary>
internal static class DevCertificateAuthority
{
    public static (string CaCertificate, string CaKey, string ServerCertificate, string ServerKey, string ClientCertificate, string ClientKey) Create(
        IReadOnlyList<string> serverNames, string adminRole)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=PgTenancy development CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));

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

        var (serverCertificate, serverKey) = Issue(ca, caKey, $"CN={serverNames[0]}", names.Build(), X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, "1.3.6.1.5.5.7.3.1");
        var (clientCertificate, clientKey) = Issue(ca, caKey, $"CN={adminRole}", null, X509KeyUsageFlags.DigitalSignature, "1.3.6.1.5.5.7.3.2");
        return (ca.ExportCertificatePem(), caKey.ExportPkcs8PrivateKeyPem(), serverCertificate, serverKey, clientCertificate, clientKey);
    }

    private static (string Certificate, string Key) Issue(X509Certificate2 ca, ECDsa caKey, string subject, X509Extension? names, X509KeyUsageFlags usage, string purpose)
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

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), ca.NotBefore, ca.NotAfter, serial);
        return (issued.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
