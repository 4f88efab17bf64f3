using Akka.Actor;
using Akka.Hosting;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Slots;
using Atelier.Shared.Protocol;

namespace Atelier.GpuWorker.Tests.Slots;

/// <summary>Slots as production runs them: the children of their node's <see cref="NodeDevicesActor"/>.</summary>
internal static class SlotOnNode
{
    /// <summary>A node of that one slot; returns the slot.</summary>
    public static async Task<IActorRef> StartAsync(ActorSystem system, IReadOnlyActorRegistry registry, SlotInfo slot, SlotSettings settings) =>
        (await StartAsync(system, registry, [slot], settings))[0];

    /// <summary>A node of these slots (one per device); returns them in the same order.</summary>
    public static async Task<IReadOnlyList<IActorRef>> StartAsync(
        ActorSystem system, IReadOnlyActorRegistry registry, IReadOnlyList<SlotInfo> slots, SlotSettings settings, string name = "devices")
    {
        var node = system.ActorOf(Props.Create(() => new NodeDevicesActor(slots, registry, JobRegistry.Default(), settings)), name);
        // The node creates its slots as it starts: once it answers, they are there.
        await node.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(5));
        var refs = new List<IActorRef>();
        foreach (var slot in slots) refs.Add(await system.ActorSelection(node.Path / slot.SlotId).ResolveOne(TimeSpan.FromSeconds(5)));
        return refs;
    }
}
