using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Work;

/// <summary>
/// Matches idle slots with sweeps that have pending trials (a cluster singleton). Slots pull:
/// each request goes to the next sweep in a round robin, so concurrent sweeps share the slots
/// fairly; a sweep with nothing to lease answers <see cref="NoWork"/> and leaves the ring until it
/// announces work again. Requests nobody can serve wait here until work is announced.
/// </summary>
public sealed class WorkBroker : ReceiveActor, IWithTimers
{
    private readonly IReadOnlyActorRegistry _registry;
    private readonly LinkedList<SweepId> _ring = new();
    private readonly Dictionary<IActorRef, RequestWork> _waiting = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SlotDirectory _slots = new(TimeSpan.FromSeconds(10));
    private readonly Dictionary<IActorRef, (long Sequence, DateTimeOffset At)> _inFlight = new();

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
            foreach (var r in waiting) Dispatch(r);
        });
        Receive<NoWork>(n =>
        {
            _ring.Remove(n.SweepId);
            Dispatch(n.Request);
        });
        Receive<Terminated>(t =>
        {
            _waiting.Remove(t.ActorRef);
            _inFlight.Remove(t.ActorRef);
        });
        Receive<SlotStatus>(s =>
        {
            _slots.Record(s, DateTimeOffset.UtcNow);
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
        Receive<GetBrokerState>(_ => Sender.Tell(new BrokerState(_ring.Count, _waiting.Count)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer("metrics", new PublishSlotMetrics(), TimeSpan.FromSeconds(5));

    private sealed record PublishSlotMetrics;

    private void Dispatch(RequestWork request)
    {
        if (_ring.First is not { } next)
        {
            _waiting[request.SlotRef] = request;
            return;
        }
        // Rotate: the sweep served now goes to the back of the ring.
        _ring.RemoveFirst();
        _ring.AddLast(next);
        _registry.Get<Hosting.SweepRegion>().Tell(new SweepCommands.LeaseTrial(next.Value, request.Slot, request.SlotRef));
        _log.Debug("slot {0} offered to sweep {1}", request.Slot.SlotId, next.Value);
    }

    /// <summary>Diagnostics: how many sweeps have work and how many slots wait.</summary>
    public sealed record GetBrokerState;

    public sealed record BrokerState(int SweepsWithWork, int WaitingSlots);
}
