using Akka.Actor;

namespace Atelier.GpuWorker.Slots;

/// <summary>
/// Stands at <c>NODE/user/SLOT-ID</c>, the address by which a sweep reaches a slot it holds no reference to (a
/// <c>StopTrial</c> after a cancel, an early stop or an expired lease: the coordinator's <c>SlotMessage.Path</c>), and
/// forwards what arrives, sender kept, to the slot, which lives under its node's <see cref="NodeDevicesActor"/>.
/// Coordinators of every version address slots so; everything else reaches a slot by its reference.
/// </summary>
public sealed class SlotAddress(ActorPath slot) : UntypedActor
{
    private readonly ActorSelection _slot = Context.ActorSelection(slot);

    protected override void OnReceive(object message) => _slot.Tell(message, Sender);
}
