using Akka.Discovery.KubernetesApi;
using Akka.Hosting;
using Akka.Http.Dsl;
using Akka.Management;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;
using Atelier.Contracts.Api;
using Microsoft.Extensions.Configuration;

namespace Atelier.Shared.Hosting;

/// <summary>
/// Cluster formation on Kubernetes: which pods are contact points, how many must be seen before a
/// new cluster forms, and the Akka.Management HTTP port the bootstrap probes.
/// </summary>
public sealed record KubernetesBootstrapSettings(string PodSelector, int ContactPoints, int ManagementPort);

/// <summary>
/// <c>--discovery kubernetes</c>: instead of seed nodes, every node runs Akka.Management and Cluster
/// Bootstrap, and finds the coordinator pods through the Kubernetes API (Akka.Discovery.KubernetesApi,
/// which needs RBAC to list pods). Only coordinators are contact points, so only a coordinator ever
/// forms a new cluster; workers wait until one is up and join it. Management also serves
/// <c>/healthz/live</c> and <c>/healthz/ready</c> (Up in the cluster) for the pods' probes.
/// At run time this needs the Ceen.Httpd and KubernetesClient versions Akka.Management is built
/// against, which the images pin (AtelierUpstreamPins in Directory.Packages.props).
/// </summary>
public static class KubernetesDiscovery
{
    public const string SeedNodesMode = "seed-nodes";
    public const string KubernetesMode = "kubernetes";

    public static readonly Setting ModeSetting = new("Atelier:Cluster:Discovery", "--discovery", "ATELIER_DISCOVERY", SeedNodesMode,
        "how the node finds the cluster: seed-nodes, or kubernetes (cluster bootstrap through the Kubernetes API; no seed nodes)");
    public static readonly Setting SelectorSetting = new("Atelier:Cluster:DiscoverySelector", "--discovery-selector", "ATELIER_DISCOVERY_SELECTOR",
        "app.kubernetes.io/name=atelier,app.kubernetes.io/component=coordinator",
        "with --discovery kubernetes: label selector of the coordinator pods, the bootstrap's contact points");
    public static readonly Setting ContactPointsSetting = new("Atelier:Cluster:DiscoveryContactPoints", "--discovery-contact-points",
        "ATELIER_DISCOVERY_CONTACT_POINTS", "1", "with --discovery kubernetes: coordinator pods that must be seen before a new cluster forms");
    public static readonly Setting ManagementPortSetting = new("Atelier:Cluster:ManagementPort", "--management-port", "ATELIER_MANAGEMENT_PORT",
        "8558", "with --discovery kubernetes: Akka.Management HTTP port (bootstrap and health probes)");

    /// <summary>The settings above; a process's settings list includes them to take them as options too.</summary>
    public static readonly IReadOnlyList<Setting> Settings = [ModeSetting, SelectorSetting, ContactPointsSetting, ManagementPortSetting];

    /// <summary>The bootstrap settings with <c>--discovery kubernetes</c>; null with seed nodes (the default).</summary>
    public static KubernetesBootstrapSettings? From(IConfiguration configuration)
    {
        var mode = Read(configuration, ModeSetting);
        if (mode == SeedNodesMode) return null;
        if (mode != KubernetesMode) throw new SettingException(ModeSetting, mode, $"{SeedNodesMode} or {KubernetesMode}");
        var selector = Read(configuration, SelectorSetting);
        if (selector.Contains('{') || selector.Contains('}'))
            throw new SettingException(SelectorSetting, selector, "a label selector such as app=atelier,component=coordinator");
        var contactPoints = ReadInt(configuration, ContactPointsSetting);
        if (contactPoints < 1) throw new SettingException(ContactPointsSetting, contactPoints.ToString(), "at least 1");
        var port = ReadInt(configuration, ManagementPortSetting);
        if (port is < 1 or > 65535) throw new SettingException(ManagementPortSetting, port.ToString(), "a port from 1 to 65535");
        return new KubernetesBootstrapSettings(selector, contactPoints, port);
    }

    /// <summary>Cluster bootstrap with Kubernetes API pod discovery.</summary>
    public static AkkaConfigurationBuilder WithKubernetesBootstrap(
        this AkkaConfigurationBuilder builder, ClusterNodeSettings node, KubernetesBootstrapSettings settings) =>
        builder.WithClusterBootstrap(node, settings, b => b.WithKubernetesDiscovery(o =>
        {
            o.PodLabelSelector = settings.PodSelector;
            // Contact points by pod IP, the address each node's management endpoint advertises (HostName below).
            o.RawIp = true;
        }));

    /// <summary>
    /// Akka.Management and Cluster Bootstrap over the discovery method <paramref name="discovery"/> registers
    /// (Kubernetes in production; tests use config discovery on loopback).
    /// </summary>
    public static AkkaConfigurationBuilder WithClusterBootstrap(
        this AkkaConfigurationBuilder builder, ClusterNodeSettings node, KubernetesBootstrapSettings settings,
        Action<AkkaConfigurationBuilder> discovery)
    {
        discovery(builder);
        return builder
            .WithAkkaManagement(new AkkaManagementOptions
            {
                // The bootstrap recognises itself among the discovered contact points by this address:
                // it must be the pod IP, as discovery reports it.
                HostName = node.PublicHost,
                Port = settings.ManagementPort,
                BindHostName = node.Host,
                BindPort = settings.ManagementPort,
                RouteProviders = new Dictionary<string, Type?> { ["atelier-health"] = typeof(HealthRoutes) },
            })
            .WithClusterBootstrap(o =>
            {
                o.ContactPointDiscovery.ServiceName = ClusterNames.ActorSystem + "-" + ClusterNames.CoordinatorRole;
                o.ContactPointDiscovery.PortName = "management";
                o.ContactPointDiscovery.RequiredContactPointsNr = settings.ContactPoints;
            });
    }

    // The settings are read from configuration (options, appsettings) and then straight from the
    // environment, so ATELIER_DISCOVERY* work whether or not a process lists them among its settings.
    private static string Read(IConfiguration configuration, Setting setting) =>
        configuration[setting.Key] is { Length: > 0 } v ? v.Trim()
        : Environment.GetEnvironmentVariable(setting.EnvironmentVariable) is { Length: > 0 } e ? e.Trim()
        : setting.Default;

    private static int ReadInt(IConfiguration configuration, Setting setting)
    {
        var text = Read(configuration, setting);
        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new SettingException(setting, text, "an integer");
    }
}

/// <summary>
/// <c>/healthz/live</c> (the actor system answers) and <c>/healthz/ready</c> (this node is Up in the
/// cluster; 503 until then) on the management port, for nodes without an HTTP API of their own.
/// </summary>
public sealed class HealthRoutes : IManagementRouteProvider
{
    public (string, HttpModuleBase)[] Routes(ManagementRouteProviderSettings settings) =>
        [("/healthz/live", new Probe(ready: false)), ("/healthz/ready", new Probe(ready: true))];

    private sealed class Probe(bool ready) : HttpModuleBase
    {
        public override async Task<bool> HandleAsync(IAkkaHttpContext context)
        {
            if (!context.HttpContext.Request.Method.Equals("GET", StringComparison.OrdinalIgnoreCase)) return false;
            var status = Akka.Cluster.Cluster.Get(context.ActorSystem).SelfMember.Status;
            var ok = !ready || status == Akka.Cluster.MemberStatus.Up;
            context.HttpContext.Response.StatusCode = ok ? Ceen.HttpStatusCode.OK : Ceen.HttpStatusCode.ServiceUnavailable;
            var word = ready ? ok ? "ready" : "not ready" : "live";
            await context.HttpContext.Response.WriteAllJsonAsync($"{{\"status\":\"{word}\",\"member\":\"{status}\"}}");
            return true;
        }
    }
}
