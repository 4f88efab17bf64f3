using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Slots;
using Atelier.Shared.Hosting;
using Atelier.Shared.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Atelier.GpuWorker.Hosting;

/// <summary>Registry key of the proxy to the coordinators' sweep shard region.</summary>
public sealed class SweepRegionProxy;

/// <summary>Registry key of the proxy to the work broker singleton.</summary>
public sealed class WorkBrokerProxy;

/// <summary>The worker's actors: proxies to sweeps and broker, and the node's devices with one slot each.</summary>
public static class WorkerAkka
{
    public static IServiceCollection AddWorkerAkka(
        this IServiceCollection services, WorkerSettings settings, IReadOnlyList<string> devices, WorkerLifetime lifetime) =>
        services.AddAkka(ClusterNames.ActorSystem, (builder, provider) => builder
            .WithAtelierCluster(settings.Node, ClusterNames.WorkerRole)
            .WithCoordinatorProxies()
            .WithSlots(devices, JobRegistry.Default(), new SlotSettings(Path.Combine(settings.DataDirectory, "trials"))
            {
                InputCacheDirectory = Path.Combine(settings.DataDirectory, "inputs"),
            })
            .WithCoordinatorWatchdog(lifetime, provider.GetRequiredService<IHostApplicationLifetime>(), settings.CoordinatorLostTimeout)
            .WithActors((system, _) => system.ActorOf(Props.Create(() => new MembershipFile(settings.DataDirectory)), "membership-file")));

    public static AkkaConfigurationBuilder WithCoordinatorWatchdog(
        this AkkaConfigurationBuilder builder, WorkerLifetime lifetime, IHostApplicationLifetime host, TimeSpan timeout) =>
        builder.WithActors((system, _) =>
            system.ActorOf(Props.Create(() => new CoordinatorWatchdog(lifetime, host, timeout)), "coordinator-watchdog"));

    public static AkkaConfigurationBuilder WithCoordinatorProxies(this AkkaConfigurationBuilder builder) => builder
        .WithShardRegionProxy<SweepRegionProxy>(ClusterNames.SweepShardRegion, ClusterNames.CoordinatorRole, new SweepMessageExtractor())
        .WithSingletonProxy<WorkBrokerProxy>(ClusterNames.WorkBrokerSingleton,
            new ClusterSingletonOptions { Role = ClusterNames.CoordinatorRole });

    public static AkkaConfigurationBuilder WithSlots(
        this AkkaConfigurationBuilder builder, IReadOnlyList<string> devices, JobRegistry jobs, SlotSettings settings) =>
        builder.WithActors((system, registry) =>
        {
            var node = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
            var slots = devices.Select((device, i) => new SlotInfo($"slot-{i}", node, device)).ToList();
            var parent = system.ActorOf(Props.Create(() => new NodeDevicesActor(slots, registry, jobs, settings)), "devices");
            // Sweeps address a slot as NODE/user/SLOT-ID: there, a forwarder to the slot under its parent.
            foreach (var slot in slots)
                system.ActorOf(Props.Create(() => new SlotAddress(parent.Path / slot.SlotId)), slot.SlotId);
        });
}
