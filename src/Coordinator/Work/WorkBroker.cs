using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Work;

/// <summary>
/// Matches idle slots with sweeps that have pending trials (a cluster singleton). Slots pull:
/// each request goes to the next sweep in a round robin, so concurrent sweeps share the slots
/// fairly; a sweep with nothing to lease answers <see cref="NoWork"/> and leaves the ring until it
/// announces work again. Requests nobody can serve wait here until work is announced.
/// <para>
/// A sweep whose trials need several devices on one node (<c>resources.gpus</c>) refuses a request from a node with
/// fewer free: the request goes on to the other sweeps, and the sweep's first such refusal holds that node for it
/// (<see cref="NodeHolds"/>, one node per sweep), so the node's slots wait for it as they free up instead of starting
/// one-device trials that would starve it (a gang reservation; up to N−1 devices idle while the last trial on the node
/// ends). Each request from a held node is put to its sweep first, so a hold whose sweep has no work left (finished,
/// paused, cancelled, served elsewhere) ends at the next request.
/// </para>
/// </summary>
public sealed class WorkBroker : ReceiveActor, IWithTimers
{
    private readonly IReadOnlyActorRegistry _registry;
    private readonly LinkedList<SweepId> _ring = new();
    private readonly Dictionary<IActorRef, RequestWork> _waiting = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SlotDirectory _slots = new(TimeSpan.FromSeconds(10));
    private readonly Dictionary<IActorRef, (long Sequence, DateTimeOffset At)> _inFlight = new();
    private readonly Dictionary<IActorRef, HashSet<SweepId>> _refused = new();
    private readonly NodeHolds _holds = new();

    /// <summary>A repeated request is served again after this long (the lease request may have been lost).</summary>
    private static readonly TimeSpan RepeatAfter = TimeSpan.FromSeconds(10);

    public WorkBroker(IReadOnlyActorRegistry registry)
    {
        _registry = registry;

        Receive<RequestWork>(r =>
        {
            // A repeat of a request already on its way to a sweep would get the slot a second trial.
            var now = DateTimeOffset.UtcNow;
            if (_inFlight.TryGetValue(r.SlotRef, out var sent) && sent.Sequence == r.Sequence && now - sent.At < RepeatAfter && !_waiting.ContainsKey(r.SlotRef))
                return;
            _inFlight[r.SlotRef] = (r.Sequence, now);
            _waiting.Remove(r.SlotRef);
            _refused.Remove(r.SlotRef);
            if (_slots.IsDraining(r.Slot.Node))
            {
                r.SlotRef.Tell(new Drain($"node {r.Slot.Node} is draining"));
                return;
            }
            Context.Watch(r.SlotRef);
            Dispatch(r);
        });
        Receive<WorkAvailable>(w =>
        {
            if (_ring.Contains(w.SweepId)) return;
            _ring.AddLast(w.SweepId);
            var waiting = _waiting.Values.ToList();
            _waiting.Clear();
            foreach (var r in waiting)
            {
                _refused.Remove(r.SlotRef);
                Dispatch(r);
            }
        });
        Receive<NoWork>(n =>
        {
            if (n.DevicesNeeded > 0 && _ring.Contains(n.SweepId))
            {
                LackedDevices(n);
                return;
            }
            _ring.Remove(n.SweepId);
            _holds.Release(n.SweepId);
            Dispatch(n.Request);
        });
        Receive<Terminated>(t =>
        {
            _waiting.Remove(t.ActorRef);
            _inFlight.Remove(t.ActorRef);
            _refused.Remove(t.ActorRef);
        });
        Receive<SlotStatus>(s =>
        {
            _slots.Record(s, DateTimeOffset.UtcNow);
            if (s.Busy)
            {
                // Busy (e.g. lent to a multi-device trial on its node): a request it left waiting is void, and the
                // next one it sends is new even if it repeats the number.
                _waiting.Remove(s.SlotRef);
                _inFlight.Remove(s.SlotRef);
            }
            if (!s.Draining && _slots.IsDraining(s.Slot.Node)) s.SlotRef.Tell(new Drain($"node {s.Slot.Node} is draining"));
        });
        Receive<GetWorkers>(_ => Sender.Tell(new WorkersReply(_slots.Workers(DateTimeOffset.UtcNow))));
        Receive<PublishSlotMetrics>(_ => Observability.CoordinatorMetrics.SlotStates(_slots.Workers(DateTimeOffset.UtcNow)));
        Receive<DrainNode>(d =>
        {
            var slots = _slots.Drain(d.Node, DateTimeOffset.UtcNow);
            foreach (var slot in slots) slot.Tell(new Drain($"node {d.Node} is draining"));
            foreach (var waiting in _waiting.Values.Where(w => w.Slot.Node == d.Node).ToList()) _waiting.Remove(waiting.SlotRef);
            _log.Info("draining {0}: {1} slots told", d.Node, slots.Count);
            Sender.Tell(new DrainNodeReply(d.Node, slots.Count));
        });
        Receive<GetBrokerState>(_ => Sender.Tell(new BrokerState(_ring.Count, _waiting.Count, _holds.Count)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer("metrics", new PublishSlotMetrics(), TimeSpan.FromSeconds(5));

    private sealed record PublishSlotMetrics;

    /// <summary>A sweep has work but the request's node lacked free devices for it: hold the node, try the next sweep.</summary>
    private void LackedDevices(NoWork n)
    {
        var request = n.Request;
        if (n.DevicesNeeded > request.NodeDevices)
        {
            if (_holds.WarnOnce(n.SweepId, request.Slot.Node))
                _log.Warning("sweep {0} needs {1} devices on one node (resources.gpus) but node {2} has {3}: its trials wait for a node with enough",
                    n.SweepId, n.DevicesNeeded, request.Slot.Node, request.NodeDevices);
        }
        else if (_holds.Add(request.Slot.Node, n.SweepId, n.DevicesNeeded))
        {
            _log.Info("node {0} held for sweep {1}: its trials need {2} devices, {3} of {4} are free; the node's slots wait for it as they free up",
                request.Slot.Node, n.SweepId, n.DevicesNeeded, request.FreeDevices, request.NodeDevices);
        }
        if (!_refused.TryGetValue(request.SlotRef, out var refused)) _refused[request.SlotRef] = refused = [];
        refused.Add(n.SweepId);
        Dispatch(request);
    }

    private void Dispatch(RequestWork request)
    {
        var node = request.Slot.Node;
        var refused = _refused.GetValueOrDefault(request.SlotRef);
        if (_holds.For(node) is { } hold)
        {
            var now = DateTimeOffset.UtcNow;
            if (!_ring.Contains(hold.Sweep))
            {
                _holds.Release(hold.Sweep);
            }
            else if (hold.OfferedAt is { } offered)
            {
                if (now - offered < NodeHolds.OfferGrace)
                {
                    _waiting[request.SlotRef] = request; // its trial's assignment is on the way: the slot re-asks soon
                    return;
                }
                _holds.Release(hold.Sweep, node);
            }
            else if (refused is not null && refused.Contains(hold.Sweep))
            {
                _waiting[request.SlotRef] = request; // still too few free: the slot re-asks as the node's slots free up
                return;
            }
            else
            {
                if (request.FreeDevices >= hold.Devices) _holds.Offered(node, now);
                Offer(hold.Sweep, request);
                return;
            }
        }
        var next = _ring.First;
        while (next is not null && refused is not null && refused.Contains(next.Value)) next = next.Next;
        if (next is null)
        {
            _waiting[request.SlotRef] = request;
            return;
        }
        // Rotate: the sweep served now goes to the back of the ring.
        _ring.Remove(next);
        _ring.AddLast(next);
        Offer(next.Value, request);
    }

    private void Offer(SweepId sweep, RequestWork request)
    {
        _registry.Get<Hosting.SweepRegion>().Tell(SweepCommands.LeaseTrial.For(sweep, request));
        _log.Debug("slot {0} offered to sweep {1}", request.Slot.SlotId, sweep);
    }

    /// <summary>Diagnostics: how many sweeps have work, how many slots wait, how many nodes are held for multi-device trials.</summary>
    public sealed record GetBrokerState;

    public sealed record BrokerState(int SweepsWithWork, int WaitingSlots, int HeldNodes = 0);
}
