using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using Microsoft.Extensions.Configuration;

namespace Atelier.Shared.Hosting;

/// <summary>
/// Mutual TLS on remoting, from files (e.g. a Kubernetes Secret that cert-manager fills): this node's certificate and
/// key, and the CA every node's certificate must chain to. Without it anything that reaches the remoting port can
/// join the cluster and send any node messages; with it, a peer whose certificate that CA did not sign, or that shows
/// none, is refused during the handshake, before any message.
/// </summary>
public sealed record NodeTlsSettings(string CertificateFile, string KeyFile, string AuthorityFile)
{
    public static readonly Setting CertificateSetting = new("Atelier:Tls:Certificate", "--tls-cert", "ATELIER_TLS_CERT", "",
        "PEM certificate of this node for mutual TLS on remoting (with --tls-key and --tls-ca: all three or none)");
    public static readonly Setting KeySetting = new("Atelier:Tls:Key", "--tls-key", "ATELIER_TLS_KEY", "",
        "PEM private key of --tls-cert");
    public static readonly Setting AuthoritySetting = new("Atelier:Tls:Ca", "--tls-ca", "ATELIER_TLS_CA", "",
        "PEM certificate of the CA that signs every node's certificate: a peer without a certificate it signed cannot connect");

    public static readonly IReadOnlyList<Setting> Settings = [CertificateSetting, KeySetting, AuthoritySetting];

    /// <summary>The three files, or null when none is given.</summary>
    /// <exception cref="SettingException">Some of the three are given, not all.</exception>
    public static NodeTlsSettings? From(IConfiguration configuration)
    {
        var values = Settings.Select(s => (Setting: s, Value: configuration.Get(s))).ToList();
        if (values.All(v => v.Value.Length == 0)) return null;
        if (values.FirstOrDefault(v => v.Value.Length == 0) is { Setting: { } missing })
            throw new SettingException(missing, "", $"a file too: mutual TLS needs {string.Join(", ", Settings.Select(s => s.Option))}");
        return new NodeTlsSettings(values[0].Value, values[1].Value, values[2].Value);
    }
}

/// <summary>A node certificate and key that chain to the cluster's CA, loaded and checked.</summary>
public sealed record NodeTlsMaterial(X509Certificate2 Certificate, X509Certificate2Collection Authorities)
{
    /// <summary>What a process returns when its TLS files are unreadable, its certificate expired or from another CA.</summary>
    public const int ExitCode = 3;

    /// <summary>Reads and checks the files.</summary>
    /// <exception cref="NodeTlsException">One line: which file, and what is wrong with it.</exception>
    public static NodeTlsMaterial Load(NodeTlsSettings settings, DateTime now)
    {
        X509Certificate2Collection authorities = [];
        try
        {
            authorities.ImportFromPemFile(settings.AuthorityFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new NodeTlsException($"{NodeTlsSettings.AuthoritySetting.Option} {settings.AuthorityFile}: cannot read a PEM certificate ({e.Message})");
        }
        if (authorities.Count == 0)
            throw new NodeTlsException($"{NodeTlsSettings.AuthoritySetting.Option} {settings.AuthorityFile}: no PEM certificate in it");

        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(settings.CertificateFile, settings.KeyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new NodeTlsException($"{NodeTlsSettings.CertificateSetting.Option} {settings.CertificateFile} with {NodeTlsSettings.KeySetting.Option} "
                + $"{settings.KeyFile}: cannot read a PEM certificate and its private key ({e.Message})");
        }
        if (Problem(certificate, authorities, now) is { } problem)
            throw new NodeTlsException($"{NodeTlsSettings.CertificateSetting.Option} {settings.CertificateFile}: {problem}");
        return new NodeTlsMaterial(certificate, authorities);
    }

    /// <summary>Why <paramref name="certificate"/> is not a node certificate of this cluster at <paramref name="now"/>, or null.</summary>
    public static string? Problem(X509Certificate2 certificate, X509Certificate2Collection authorities, DateTime now)
    {
        var name = $"certificate '{certificate.Subject}'";
        if (now < certificate.NotBefore.ToUniversalTime()) return $"{name} is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC";
        if (now > certificate.NotAfter.ToUniversalTime()) return $"{name} expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now;
        // A peer's certificate must not make this node fetch anything (its AIA URLs are the peer's choice), and must be
        // meant for both ends of a node-to-node connection.
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1")); // serverAuth
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2")); // clientAuth
        if (chain.Build(certificate)) return null;
        var statuses = chain.ChainStatus.Select(s => s.Status).ToHashSet();
        if (statuses.Contains(X509ChainStatusFlags.NotValidForUsage))
            return $"{name} is not for both server and client authentication (extended key usage serverAuth, clientAuth)";
        if (statuses.Overlaps([X509ChainStatusFlags.UntrustedRoot, X509ChainStatusFlags.PartialChain]))
            return $"{name} (issuer '{certificate.Issuer}') is not signed by the cluster's CA ('{string.Join("', '", authorities.Select(a => a.Subject))}')";
        return $"{name}: {string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))}";
    }

    /// <summary>
    /// Accepts a peer only with a certificate that chains to the cluster's CA and is valid now (no hostname check: nodes
    /// reach each other by pod IP or name, which one shared or per-node certificate need not carry); says why not, once
    /// per refused handshake.
    /// </summary>
    public CertificateValidationCallback Validator() => (certificate, _, remotePeer, _, log) =>
    {
        var problem = certificate is null ? "it showed no certificate" : Problem(certificate, Authorities, DateTime.UtcNow);
        if (problem is not null) log.Warning("refused a TLS connection with {0}: {1}", remotePeer, problem);
        return problem is null;
    };
}

/// <summary>The TLS files are unreadable, or the certificate expired or comes from another CA; the message says which.</summary>
public sealed class NodeTlsException(string message) : Exception(message);
