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
        var seeds = configuration.Get(SeedNodesSetting).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var seed in seeds)
            if (!seed.StartsWith("akka.tcp://" + Protocol.ClusterNames.ActorSystem + "@", StringComparison.Ordinal))
                throw new SettingException(SeedNodesSetting, seed, $"addresses like akka.tcp://{Protocol.ClusterNames.ActorSystem}@HOST:PORT");
        var defaultSeeds = defaultSeed.Length == 0 ? [] : new[] { defaultSeed };
        // Kubernetes discovery replaces seed nodes; the pod IP is the address the bootstrap advertises.
        if (KubernetesDiscovery.From(configuration) is { } bootstrap)
        {
            if (seeds.Length > 0) throw new SettingException(SeedNodesSetting, string.Join(',', seeds), "no seed nodes with --discovery kubernetes");
            if (publicHost is "0.0.0.0" or "::" or "[::]") throw new SettingException(PublicHostSetting, publicHost, "the pod's IP (status.podIP) with --discovery kubernetes");
            return new ClusterNodeSettings(host, publicHost, port, []) { Bootstrap = bootstrap };
        }
        return new ClusterNodeSettings(host, publicHost, port, seeds.Length > 0 ? seeds : defaultSeeds);
    }

    /// <summary>With <c>--discovery kubernetes</c>: cluster bootstrap instead of <see cref="SeedNodes"/>.</summary>
    public KubernetesBootstrapSettings? Bootstrap { get; init; }

    public string SelfAddress => $"akka.tcp://{Protocol.ClusterNames.ActorSystem}@{PublicHost}:{Port}";
}
