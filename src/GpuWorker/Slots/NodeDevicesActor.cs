using Akka.Actor;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.GpuWorker.Hosting;
using Atelier.GpuWorker.Jobs;
using Atelier.Shared.Protocol;
using static Atelier.GpuWorker.Slots.DeviceMessages;
using static Atelier.GpuWorker.Slots.SlotMessages;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.GpuWorker.Slots;

/// <summary>
/// This node's devices and the slots that run them: creates one <see cref="SlotActor"/> per device as its child
/// (named by its <see cref="SlotInfo.SlotId"/>), supervises them, and keeps which trial holds which device in a
/// <see cref="DeviceLedger"/> that only it touches. A slot starting a trial asks it for devices; one needing several
/// borrows free slots' devices, and those slots stay idle, ask for no work and report the owner's trial until it ends.
/// An idle slot's request for work goes to the broker through it, with how many of the node's devices are free then.
/// </summary>
public sealed class NodeDevicesActor : ReceiveActor
{
    private readonly IReadOnlyList<SlotInfo> _slots;
    private readonly IActorRef[] _children;
    private readonly DeviceLedger _ledger;
    private readonly IReadOnlyActorRegistry _registry;

    /// <param name="slots">One per device, in device order; all of this node.</param>
    public NodeDevicesActor(IReadOnlyList<SlotInfo> slots, IReadOnlyActorRegistry registry, JobRegistry jobs, SlotSettings settings)
    {
        _slots = slots;
        _registry = registry;
        _ledger = new DeviceLedger(slots.Select(s => s.Device).ToList());
        _children = new IActorRef[slots.Count];
        for (var i = 0; i < slots.Count; i++)
        {
            var slot = slots[i];
            _children[i] = Context.ActorOf(Props.Create(() => new SlotActor(slot, registry, jobs, settings)), slot.SlotId);
            _ledger.Register(i, _children[i]);
        }

        Receive<PullWork>(p =>
        {
            if (SlotOf(Sender) is not { } i) return;
            if (_ledger.LentTo(i) is { } trial)
            {
                // Also how a lent slot that restarted learns again what it serves.
                Sender.Tell(new Lent(trial));
                return;
            }
            // Without the broker's proxy yet, the pull waits for the slot's next tick: throwing here would restart this actor
            // and with it every slot of the node.
            if (_registry.TryGet<WorkBrokerProxy>(out var broker))
                broker.Tell(new RequestWork(_slots[i], Sender, p.Sequence, _ledger.Free, _ledger.Count), Sender);
        });
        Receive<ReserveDevices>(r =>
        {
            if (SlotOf(Sender) is not { } i) return;
            if (_ledger.TryReserve(i, r.Count, r.Trial) is not { } devices)
            {
                var slot = _slots[i];
                Sender.Tell(new DevicesRefused(_ledger.LentTo(i) is { } lent
                    ? $"slot {slot.SlotId} on {slot.Node} is lent to {lent.SweepId} trial {lent.TrialIndex}"
                    : $"the trial needs {r.Count} devices and only {_ledger.Free} of the {_ledger.Count} on {slot.Node} are free"));
                return;
            }
            // The borrowed slots tell the broker now that they are busy, so it stops offering them work.
            foreach (var borrowed in _ledger.Borrowed(i))
            {
                borrowed.Tell(new Lent(r.Trial));
                borrowed.Tell(new StatusTick());
            }
            Sender.Tell(new DevicesReserved(devices));
        });
        Receive<ReleaseDevices>(r =>
        {
            if (SlotOf(Sender) is not { } i) return;
            foreach (var lent in _ledger.Release(i))
            {
                lent.Tell(new Lent(null));
                if (r.WakeLent) lent.Tell(new RequestTick());
            }
        });
    }

    /// <summary>
    /// Which slot <paramref name="sender"/> is; null for none of this incarnation's children (a message a slot sent as
    /// it stopped with an earlier incarnation of this actor: the devices it names are not this one's).
    /// </summary>
    private int? SlotOf(IActorRef sender) => Array.IndexOf(_children, sender) is var i and >= 0 ? i : null;

    /// <summary>
    /// One slot's failure is its own (one for one): the other slots keep their trials. A failed slot restarts, as the
    /// user guardian restarted slots when they were top-level actors: stopping, it hands its trial back to the sweep and
    /// its devices back to this actor, and its new instance pulls work for the device again. A slot that could not be
    /// created, or was killed, stops: a restart would fail the same way.
    /// </summary>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e => e switch
    {
        ActorInitializationException or ActorKilledException or DeathPactException => Directive.Stop,
        _ => Directive.Restart,
    });
}
