using Atelier.Contracts.Api;
using Microsoft.Extensions.Configuration;

namespace Atelier.Shared.Hosting;

/// <summary>Where a node listens for remoting and which seed nodes it joins.</summary>
public sealed record ClusterNodeSettings(string Host, string PublicHost, int Port, IReadOnlyList<string> SeedNodes)
{
    public static readonly Setting HostSetting = new("Atelier:Cluster:Host", "--host", "ATELIER_HOST", "127.0.0.1",
        "address the remoting transport binds to");
    public static readonly Setting PublicHostSetting = new("Atelier:Cluster:PublicHost", "--public-host", "ATELIER_PUBLIC_HOST", "",
        "address other nodes use to reach this one (default: --host)");
    public static readonly Setting SeedNodesSetting = new("Atelier:Cluster:SeedNodes", "--seed-nodes", "ATELIER_SEED_NODES", "",
        "comma-separated seed node addresses, e.g. akka.tcp://atelier@127.0.0.1:4053");

    public static ClusterNodeSettings From(IConfiguration configuration, Setting portSetting, string defaultSeed)
    {
        var host = configuration.Get(HostSetting);
        var publicHost = configuration.Get(PublicHostSetting) is { Length: > 0 } p ? p : host;
        var port = configuration.GetInt(portSetting);
        if (port is < 0 or > 65535) throw new SettingException(portSetting, port.ToString(), "a port from 0 to 65535");
        var tls = NodeTlsSettings.From(configuration);
        var protocol = ProtocolOf(tls);
        var seeds = configuration.Get(SeedNodesSetting).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(seed => WithProtocol(seed, protocol)
                ?? throw new SettingException(SeedNodesSetting, seed, $"addresses like {protocol}://{ClusterNames.ActorSystem}@HOST:PORT"))
            .ToArray();
        var defaultSeeds = defaultSeed.Length == 0 ? [] : new[] { WithProtocol(defaultSeed, protocol)! };
        // Kubernetes discovery replaces seed nodes; the pod IP is the address the bootstrap advertises.
        if (KubernetesDiscovery.From(configuration) is { } bootstrap)
        {
            if (seeds.Length > 0) throw new SettingException(SeedNodesSetting, string.Join(',', seeds), "no seed nodes with --discovery kubernetes");
            if (publicHost is "0.0.0.0" or "::" or "[::]") throw new SettingException(PublicHostSetting, publicHost, "the pod's IP (status.podIP) with --discovery kubernetes");
            return new ClusterNodeSettings(host, publicHost, port, []) { Bootstrap = bootstrap, Tls = tls };
        }
        return new ClusterNodeSettings(host, publicHost, port, seeds.Length > 0 ? seeds : defaultSeeds) { Tls = tls };
    }

    /// <summary>With <c>--discovery kubernetes</c>: cluster bootstrap instead of <see cref="SeedNodes"/>.</summary>
    public KubernetesBootstrapSettings? Bootstrap { get; init; }

    /// <summary>Mutual TLS on remoting: the files (null: plain TCP).</summary>
    public NodeTlsSettings? Tls { get; init; }

    /// <summary>
    /// The files of <see cref="Tls"/> loaded and checked (<see cref="NodeTlsMaterial.Load"/>): the processes do it before they
    /// build their host, so that a bad file ends them with one line and <see cref="NodeTlsMaterial.ExitCode"/>.
    /// </summary>
    public NodeTlsMaterial? TlsMaterial { get; init; }

    /// <summary>These settings with <see cref="Tls"/>'s files loaded.</summary>
    /// <exception cref="NodeTlsException">A file is unreadable, the certificate expired or is not from the CA.</exception>
    public ClusterNodeSettings WithTlsLoaded() =>
        Tls is { } tls && TlsMaterial is null ? this with { TlsMaterial = NodeTlsMaterial.Load(tls, DateTime.UtcNow) } : this;

    public string SelfAddress => $"{ProtocolOf(Tls)}://{ClusterNames.ActorSystem}@{PublicHost}:{Port}";

    /// <summary>Remoting's address protocol: <c>akka.ssl.tcp</c> with TLS, else <c>akka.tcp</c>.</summary>
    public static string ProtocolOf(NodeTlsSettings? tls) => tls is null ? "akka.tcp" : "akka.ssl.tcp";

    /// <summary>
    /// <paramref name="seed"/> (<c>akka.tcp://atelier@…</c> or <c>akka.ssl.tcp://atelier@…</c>) with this node's protocol:
    /// with TLS on, every node speaks TLS, so a list written for plain TCP still names the right nodes. Null: not an
    /// address of this cluster.
    /// </summary>
    private static string? WithProtocol(string seed, string protocol)
    {
        foreach (var known in new[] { "akka.tcp", "akka.ssl.tcp" })
        {
            var prefix = $"{known}://{ClusterNames.ActorSystem}@";
            if (seed.StartsWith(prefix, StringComparison.Ordinal)) return $"{protocol}://{ClusterNames.ActorSystem}@{seed[prefix.Length..]}";
        }
        return null;
    }
}
