using Akka.Actor;
using Akka.Event;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Shared.Serialization;

namespace Atelier.Shared.Hosting;

/// <summary>The remoting, clustering and serialization every Atelier node shares.</summary>
public static class ClusterHosting
{
    public static AkkaConfigurationBuilder WithAtelierCluster(
        this AkkaConfigurationBuilder builder, ClusterNodeSettings node, string role)
    {
        // Kubernetes: Akka.Management cluster bootstrap finds the coordinators; no seed nodes at all.
        if (node.Bootstrap is { } bootstrap) builder = builder.WithKubernetesBootstrap(node, bootstrap);
        return builder
            .WithRemoting(Remoting(node))
            .WithClustering(new ClusterOptions
            {
                Roles = [role],
                SeedNodes = node.Bootstrap is null ? node.SeedNodes.ToArray() : [],
                // Keep-majority counted over coordinators only: losing every worker never downs the
                // coordinators, and workers cut off from all coordinators down themselves (then rejoin
                // through the seed nodes, see the worker's CoordinatorWatchdog).
                SplitBrainResolver = new KeepMajorityOption { Role = ClusterNames.CoordinatorRole },
            })
            // Off: by default the resolver downs every node, the coordinators included, once reachability has kept
            // changing for stable-after + 3/4 of it (35 s) without a decision. Workers dropping out and coming back
            // (killed, frozen, restarted, scaled) are enough for that, and they must never cost the sweeps their
            // coordinators. Keep-majority over coordinators still decides as soon as membership is stable.
            .AddHocon("akka.cluster.split-brain-resolver.down-all-when-unstable = off", HoconAddMode.Prepend)
            .WithAtelierSerialization()
            // One stack trace per failed connection attempt to an unreachable node says less than SeedNodeCheck's line;
            // membership changes (unreachable, removed) are still logged by the cluster.
            .AddHocon("akka.remote.log-remote-lifecycle-events = off", HoconAddMode.Prepend)
            .AddSetup(new LogFilterBuilder().ExcludeMessageContaining("Tried to associate with unreachable remote address").Build())
            .WithActors((system, _) =>
            {
                NodeExit.Watch(system);
                var tls = node.Tls is not null;
                if (node.Bootstrap is null) system.ActorOf(Props.Create(() => new SeedNodeCheck(node.SeedNodes, tls)), "seed-node-check");
            });
    }

    private static RemoteOptions Remoting(ClusterNodeSettings node)
    {
        var options = new RemoteOptions { HostName = node.Host, PublicHostName = node.PublicHost, Port = node.Port };
        if (node.WithTlsLoaded().TlsMaterial is not { } tls) return options;
        options.EnableSsl = true;
        options.Ssl = new SslOptions
        {
            X509Certificate = tls.Certificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false,
            CustomValidator = tls.Validator(),
        };
        return options;
    }

    /// <summary>Binds <see cref="AtelierSerializer"/> to every <see cref="IAtelierMessage"/> and <see cref="PreSerialized"/>.</summary>
    public static AkkaConfigurationBuilder WithAtelierSerialization(this AkkaConfigurationBuilder builder) =>
        builder.WithCustomSerializer(AtelierSerializer.Id, [typeof(IAtelierMessage), typeof(PreSerialized)], system => new AtelierSerializer(system));
}
