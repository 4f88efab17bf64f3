using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Atelier.Testing;

/// <summary>A certificate authority made for a test, which writes node certificates as PEM files.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _certificate;

    public TestCertificateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(60));
    }

    /// <summary>
    /// Writes <c>ca.crt</c>, <c>NAME.crt</c> and <c>NAME.key</c> into <paramref name="directory"/>, the certificate valid for the
    /// 10 days up to <paramref name="notAfter"/> (default: a week from now); the three paths.
    /// </summary>
    public (string Certificate, string Key, string Authority) WriteNode(string directory, string name, DateTimeOffset? notAfter = null)
    {
        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(7);
        using var certificate = request.Create(_certificate, end.AddDays(-10), end, RandomNumberGenerator.GetBytes(8));
        var paths = (Path.Combine(directory, name + ".crt"), Path.Combine(directory, name + ".key"), Path.Combine(directory, "ca.crt"));
        File.WriteAllText(paths.Item1, certificate.ExportCertificatePem());
        File.WriteAllText(paths.Item2, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(paths.Item3, _certificate.ExportCertificatePem());
        return paths;
    }

    public static string[] Arguments((string Certificate, string Key, string Authority) files) =>
        ["--tls-cert", files.Certificate, "--tls-key", files.Key, "--tls-ca", files.Authority];

    public void Dispose() => _certificate.Dispose();
}
