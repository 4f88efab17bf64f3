using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.Shared.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Atelier.Deploy.Tests;

/// <summary><c>--discovery kubernetes</c>: cluster bootstrap instead of seed nodes; seed nodes stay the default.</summary>
public sealed class KubernetesDiscoveryTests
{
    private static IConfiguration Config(params (Setting Setting, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Setting.Key, v.Value))).Build();

    private static ClusterNodeSettings Node(params (Setting Setting, string Value)[] values) =>
        ClusterNodeSettings.From(Config(values), new Setting("Atelier:Cluster:Port", "--port", "ATELIER_PORT", "4053", "remoting port"),
            "akka.tcp://atelier@127.0.0.1:4053");

    [Fact]
    public void Seed_nodes_remain_the_default()
    {
        var node = Node();
        Assert.Null(node.Bootstrap);
        Assert.Equal(["akka.tcp://atelier@127.0.0.1:4053"], node.SeedNodes);
    }

    [Fact]
    public void Kubernetes_discovery_replaces_the_seed_nodes()
    {
        var node = Node((KubernetesDiscovery.ModeSetting, "kubernetes"), (ClusterNodeSettings.PublicHostSetting, "10.0.0.7"),
            (KubernetesDiscovery.ContactPointsSetting, "2"), (KubernetesDiscovery.ManagementPortSetting, "8600"));
        Assert.Empty(node.SeedNodes);
        Assert.Equal(new KubernetesBootstrapSettings("app.kubernetes.io/name=atelier,app.kubernetes.io/component=coordinator", 2, 8600), node.Bootstrap);
    }

    [Theory]
    [InlineData("mdns", "--discovery / ATELIER_DISCOVERY = 'mdns' is not valid: expected seed-nodes or kubernetes")]
    [InlineData("kubernetes;seeds", "expected seed-nodes or kubernetes")]
    public void A_bad_mode_names_the_setting(string mode, string expected)
    {
        var e = Assert.Throws<SettingException>(() => Node((KubernetesDiscovery.ModeSetting, mode)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Kubernetes_discovery_refuses_seed_nodes_and_a_wildcard_public_address()
    {
        var seeds = Assert.Throws<SettingException>(() => Node((KubernetesDiscovery.ModeSetting, "kubernetes"), (ClusterNodeSettings.PublicHostSetting, "10.0.0.7"),
            (ClusterNodeSettings.SeedNodesSetting, "akka.tcp://atelier@10.0.0.1:4053")));
        Assert.Contains("no seed nodes with --discovery kubernetes", seeds.Message);
        var wildcard = Assert.Throws<SettingException>(() => Node((KubernetesDiscovery.ModeSetting, "kubernetes"), (ClusterNodeSettings.HostSetting, "0.0.0.0")));
        Assert.Contains("--public-host / ATELIER_PUBLIC_HOST = '0.0.0.0'", wildcard.Message);
        Assert.Contains("status.podIP", wildcard.Message);
        var port = Assert.Throws<SettingException>(() => Node((KubernetesDiscovery.ModeSetting, "kubernetes"), (ClusterNodeSettings.PublicHostSetting, "10.0.0.7"),
            (KubernetesDiscovery.ManagementPortSetting, "0")));
        Assert.Contains("ATELIER_MANAGEMENT_PORT", port.Message);
    }

    [Fact]
    public void The_cluster_configuration_has_no_seed_nodes_and_bootstraps_through_the_kubernetes_api()
    {
        var node = Node((KubernetesDiscovery.ModeSetting, "kubernetes"), (ClusterNodeSettings.HostSetting, "0.0.0.0"),
            (ClusterNodeSettings.PublicHostSetting, "10.0.0.7"));
        var config = Build(b => b.WithAtelierCluster(node, ClusterNames.WorkerRole));

        Assert.Empty(config.GetStringList("akka.cluster.seed-nodes"));
        Assert.Equal("kubernetes-api", config.GetString("akka.discovery.method"));
        Assert.Equal(node.Bootstrap!.PodSelector, config.GetString("akka.discovery.kubernetes-api.pod-label-selector"));
        // The management endpoint advertises the pod IP (how discovery reports contact points) and binds everywhere.
        Assert.Equal("10.0.0.7", config.GetString("akka.management.http.hostname"));
        Assert.Equal("0.0.0.0", config.GetString("akka.management.http.bind-hostname"));
        Assert.Equal(8558, config.GetInt("akka.management.http.port"));
        Assert.Contains(nameof(HealthRoutes), config.GetString("akka.management.http.routes.atelier-health"));
        Assert.Equal("management", config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.port-name"));
        Assert.Equal(1, config.GetInt("akka.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr"));
    }

    [Fact]
    public void With_seed_nodes_nothing_of_the_bootstrap_is_configured()
    {
        var config = Build(b => b.WithAtelierCluster(Node(), ClusterNames.CoordinatorRole));
        Assert.Equal(["akka.tcp://atelier@127.0.0.1:4053"], config.GetStringList("akka.cluster.seed-nodes"));
        Assert.False(config.HasPath("akka.management.http.routes.atelier-health"));
        Assert.NotEqual("kubernetes-api", config.GetString("akka.discovery.method"));
    }

    internal static Akka.Configuration.Config Build(Action<AkkaConfigurationBuilder> configure)
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), ClusterNames.ActorSystem);
        configure(builder);
        var config = builder.Configuration.Value;
        // Each plugin's own reference configuration is the fallback, as in a running system.
        return config
            .WithFallback(Akka.Management.Dsl.AkkaManagementProvider.DefaultConfiguration())
            .WithFallback(Akka.Discovery.DiscoveryProvider.DefaultConfiguration());
    }
}
