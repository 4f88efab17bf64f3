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

/// <summary>The worker's actors: proxies to sweeps and broker, and one slot per device.</summary>
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
            var ledger = new DeviceLedger(devices);
            for (var i = 0; i < devices.Count; i++)
            {
                var slot = new SlotInfo($"slot-{i}", node, devices[i]);
                var index = i;
                system.ActorOf(Props.Create(() => new SlotActor(slot, registry, jobs, settings, ledger, index)), slot.SlotId);
            }
        });
}
