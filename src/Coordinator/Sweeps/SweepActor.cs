using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using Akka.Persistence;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Shared.Serialization;
using static Atelier.Shared.Protocol.SweepCommands;

namespace Atelier.Coordinator.Sweeps;

/// <summary>
/// The sweep entity: persists what <see cref="SweepState"/> decides, then tells. It announces
/// leasable work to the broker and requeues trials whose lease expired or whose node the cluster removed.
/// </summary>
public sealed class SweepActor : ReceivePersistentActor, IWithTimers
{
    private SweepState _state;
    private readonly IReadOnlyActorRegistry _registry;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _tick;
    private readonly HashSet<IActorRef> _subscribers = [];
    /// <summary>How long a snapshot may take before the next may start regardless: a store that never answers stops none.</summary>
    private static readonly TimeSpan SnapshotTimeout = TimeSpan.FromMinutes(10);

    private readonly int _snapshotEvery;
    private readonly AtelierSerializer _serializer;
    private long _lastSnapshot; // the sequence number of the latest snapshot taken, or recovered from
    private long? _snapshotInFlight; // the sequence number of the snapshot being serialized or written: one at a time
    private int _unconfirmed; // events applied to the state but not yet written to the journal
    private bool _pushScheduled;

    public SweepActor(string sweepId, IReadOnlyActorRegistry registry, SweepSettings settings)
    {
        PersistenceId = "sweep-" + sweepId;
        SnapshotPluginId = settings.SnapshotStore;
        _registry = registry;
        _state = new SweepState(settings.LeaseTimeout);
        _tick = settings.TickInterval;
        _snapshotEvery = settings.SnapshotEvery;
        var serialization = Context.System.Serialization;
        _serializer = serialization.FindSerializerForType(typeof(SweepSnapshot)) is AtelierSerializer atelier
            && serialization.FindSerializerForType(typeof(PreSerialized)) == atelier
            ? atelier
            : throw new InvalidOperationException("sweep snapshots need the Atelier serializer for them and for PreSerialized (WithAtelierSerialization)");

        Recover<SnapshotOffer>(o =>
        {
            _lastSnapshot = o.Metadata.SequenceNr;
            _state = SweepState.FromSnapshot((SweepSnapshot)o.Snapshot, settings.LeaseTimeout);
        });
        Recover<Shared.Protocol.ISweepEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            _state = _state.ResetLeaseClocks(DateTimeOffset.UtcNow);
            if (!_state.IsCreated) return;
            _log.Info("sweep {0} recovered from the journal on this node ({1} events, {2} trials: {3} running)",
                _state.Id, LastSequenceNr, _state.Trials.Count, _state.Running);
            Started();
            if (_state.CanLease) Broker.Tell(new WorkerProtocol.WorkAvailable(_state.Id!.Value));
            // A sweep that replayed many events (its snapshot lost, or from before the sweeps had a snapshot store of their
            // own) saves one now: a finished sweep writes no more events, and would replay them all at every start.
            SnapshotIfDue();
        });

        Command<SweepQueries.GetSweep>(q =>
        {
            if (_state.IsCreated) AfterWrites(Sender, new SweepQueries.SweepDetails(SweepView.ToDto(_state, q.IncludeHistory)));
            else NotCreated(new SweepQueries.SweepNotFound(q.SweepId));
        });
        Command<SweepQueries.Subscribe>(s =>
        {
            if (!_state.IsCreated)
            {
                s.Subscriber.Tell(new SweepQueries.SweepNotFound(s.SweepId));
                NotCreated(null);
                return;
            }
            _subscribers.Add(s.Subscriber);
            Context.Watch(s.Subscriber);
            AfterWrites(s.Subscriber, new SweepQueries.SweepUpdate(SweepView.ToDto(_state, includeHistory: false)));
        });
        Command<SweepQueries.Unsubscribe>(u => Drop(u.Subscriber));
        Command<Terminated>(t => Drop(t.ActorRef));
        Command<PushUpdate>(_ =>
        {
            _pushScheduled = false;
            if (_subscribers.Count == 0) return;
            var update = new SweepQueries.SweepUpdate(SweepView.ToDto(_state, includeHistory: false));
            foreach (var s in _subscribers) AfterWrites(s, update);
        });
        // The shard's hand-off (a rebalance, a coordinator leaving) and passivation: stop once every applied event is
        // written, so a state that anyone was shown is in the journal when the next incarnation recovers.
        Command<StopSweep>(_ => AfterWrites(() => Context.Stop(Self)));
        // What concerns another snapshot than the one in flight is of an earlier incarnation (a restart keeps the address).
        Command<SnapshotSerialized>(s =>
        {
            if (s.SequenceNr == _snapshotInFlight)
                SnapshotStore.Tell(new SaveSnapshot(new SnapshotMetadata(SnapshotterId, s.SequenceNr, DateTime.UtcNow), s.Snapshot));
        });
        Command<SnapshotNotSerialized>(f => SnapshotEnded(f.SequenceNr, f.Cause));
        Command<SnapshotTimedOut>(t => SnapshotEnded(t.SequenceNr,
            new TimeoutException($"the snapshot store did not answer in {SnapshotTimeout.TotalMinutes} minutes")));
        Command<SaveSnapshotSuccess>(s =>
        {
            if (SnapshotEnded(s.Metadata.SequenceNr, null)) DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1));
        });
        Command<SaveSnapshotFailure>(f => SnapshotEnded(f.Metadata.SequenceNr, f.Cause));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => _log.Warning("sweep {0}: deleting old snapshots failed: {1}", _state.Id, f.Cause.Message));
        Command<TickLeases>(_ =>
        {
            Handle(new CheckLeases(DateTimeOffset.UtcNow));
            Observability.CoordinatorMetrics.SweepCounts(_state.Id!.Value, SweepView.Counts(_state));
            // Re-announcing on every tick lets a restarted broker learn of this sweep again.
            if (_state.CanLease) Broker.Tell(new WorkerProtocol.WorkAvailable(_state.Id!.Value));
        });
        Command<CreateSweep>(Handle);
        Command<ClusterEvent.MemberRemoved>(m =>
        {
            if (_state.IsCreated) Handle(new NodeRemoved(m.Member.Address.ToString(), DateTimeOffset.UtcNow));
        });
        Command<ClusterEvent.CurrentClusterState>(_ => { });
        Command<ArtifactProtocol.OfferArtifact>(o =>
        {
            if (_state.IsCreated && o.TrialIndex >= 0 && o.TrialIndex < _state.Trials.Count)
                Ingest.Tell(new Artifacts.ArtifactIngest.Forwarded(o, Sender));
            else
                Sender.Tell(new ArtifactProtocol.UploadResult("", false, $"sweep {o.SweepId} has no trial {o.TrialIndex}"));
        });
        Command<ArtifactProtocol.FetchArtifact>(f =>
        {
            // Only artifacts this sweep recorded, and the inputs its spec names, are served: a hash alone opens nothing else.
            if (_state.IsCreated && _state.FindArtifact(f.Sha256) is { } artifact)
                Ingest.Tell(new ArtifactProtocol.ServeArtifact(artifact.Sha256, artifact.Size, Sender));
            else if (_state.IsCreated && Contracts.Specs.SpecInputs.Hashes(_state.Spec!).Contains(f.Sha256))
                Ingest.Tell(new ArtifactProtocol.ServeArtifact(f.Sha256, ArtifactProtocol.SizeOfStoredFile, Sender));
            else
                Sender.Tell(new ArtifactProtocol.UploadResult("", false, $"sweep {f.SweepId} has no artifact {f.Sha256}"));
        });
        Command<CancelSweep>(c =>
        {
            if (_state.IsCreated) Handle(c);
            else NotCreated(new CancelSweepReply(c.SweepId, false, $"no sweep with id '{c.SweepId}'"));
        });
        Command<ReportProgress>(c =>
        {
            _state = _state.Touch(c.TrialIndex, c.Attempt, DateTimeOffset.UtcNow);
            Handle(c);
        });
        Command<IWithSweepId>(c =>
        {
            if (!_state.IsCreated)
            {
                // Work messages for a sweep that does not exist: answer so nobody waits, then stop.
                NotCreated(c switch
                {
                    LeaseTrial l => new WorkerProtocol.NoWork(l.SweepId, l.Request),
                    FinishTrial f => new WorkerProtocol.FinishAck(f.SweepId, f.TrialIndex, f.Attempt),
                    PauseSweep or ResumeSweep or ExtendSweep => new SweepControlReply(c.SweepId, false, $"no sweep with id '{c.SweepId}'"),
                    _ => null,
                });
                return;
            }
            if (c is ISweepCommand command) Handle(command);
            else Unhandled(c);
        });
    }

    public override string PersistenceId { get; }

    // Looked up on use: remember-entities may start a sweep before the broker proxy is registered;
    // an announcement lost then is repeated on the next tick.
    private IActorRef Ingest => _registry.Get<Artifacts.ArtifactIngest>();

    private IActorRef Broker => _registry.TryGet<Work.WorkBroker>(out var broker) ? broker : ActorRefs.Nobody;
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>
    /// The journal refused an event (e.g. it could not be serialised). The state already holds it (group commit): start
    /// over from what was written rather than go on from a state the journal does not have.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        throw new InvalidOperationException($"sweep {_state.Id}: the journal rejected event {sequenceNr} ({@event.GetType().Name}); restarting from the journal", cause);
    }

    private void Handle(ISweepCommand command)
    {
        var wasCreated = _state.IsCreated;
        var decision = _state.Process(command, Sender, DateTimeOffset.UtcNow);
        if (decision.Events.Count == 0)
        {
            // What was decided may rest on events still being written: such answers wait for them. (Not when they are
            // written and only their deferred replies are pending: that would cost every heartbeat a journal round trip.)
            AfterWrites(() => Send(decision));
            return;
        }

        // Group commit: the events apply at once, so the next command is decided without waiting for the journal, and
        // the events of commands that arrive while a write is under way go to the journal together in the next one.
        // Nothing leaves this actor before its events are written (the deferred handler runs after them); if a write
        // fails, the actor stops and its successor recovers from what was written.
        // When a snapshot is due, this decision's events are written with the stashing PersistAll instead: commands wait
        // until they are written, so when the last of them is, every applied event is written and the snapshot can be
        // taken (under a steady stream of commands there would otherwise never be such a moment).
        var snapshotDue = _snapshotInFlight is null && LastSequenceNr + _unconfirmed + decision.Events.Count - _lastSnapshot >= _snapshotEvery;
        foreach (var e in decision.Events) _state = _state.Apply(e);
        _unconfirmed += decision.Events.Count;
        if (snapshotDue)
        {
            PersistAll(decision.Events, _ =>
            {
                _unconfirmed--;
                SnapshotIfDue();
            });
        }
        else
        {
            PersistAllAsync(decision.Events, _ => _unconfirmed--);
        }
        DeferAsync(decision, d =>
        {
            Send(d);
            Count(d.Events);
            SnapshotIfDue();
            if (!wasCreated && _state.IsCreated)
            {
                _log.Info("sweep {0} created with {1} trials", _state.Id, _state.Trials.Count);
                Started();
            }
            if (_state.CanLease) Broker.Tell(new WorkerProtocol.WorkAvailable(_state.Id!.Value));
            SchedulePush();
            if (_state.IsFinished && d.Events.Any(e => e is Shared.Protocol.SweepEvents.TrialFinished))
                _log.Info("sweep {0} finished", _state.Id);
        });
    }

    /// <summary>
    /// Runs <paramref name="action"/> once every event applied so far is written. An answer that shows the state is made
    /// now (<see cref="AfterWrites(IActorRef, object)"/>) and sent then: nobody is shown a state that a crash could still
    /// take back, nor one that events applied meanwhile have moved on from.
    /// </summary>
    private void AfterWrites(Action action)
    {
        if (_unconfirmed == 0) action();
        else DeferAsync(action, a => a());
    }

    private void AfterWrites(IActorRef to, object message) => AfterWrites(() => to.Tell(message));

    /// <summary>
    /// A snapshot holds the state as applied, so it is taken only when every applied event is written. It is made and
    /// serialized on the thread pool (the state is immutable), one at a time: a large sweep's snapshot is megabytes, and
    /// neither this actor nor the snapshot store's write transaction waits for it (on SQLite the sweeps' snapshots are in a
    /// file of their own, so that transaction holds no lock the journal needs either: <c>CoordinatorAkka.WithSqliteJournal</c>).
    /// It is saved under the sequence number of the state it holds, not the later one reached by then: recovery replays the
    /// events after it. (A snapshot is a shortcut for recovery, never the only copy: one that fails, or that the sweep stops
    /// before it is saved, costs a longer replay.)
    /// </summary>
    private void SnapshotIfDue()
    {
        if (_snapshotInFlight is not null || _unconfirmed != 0 || LastSequenceNr - _lastSnapshot < _snapshotEvery) return;
        var (state, sequenceNr, serializer) = (_state, LastSequenceNr, _serializer);
        _lastSnapshot = sequenceNr;
        _snapshotInFlight = sequenceNr;
        Timers.StartSingleTimer("snapshot", new SnapshotTimedOut(sequenceNr), SnapshotTimeout);
        Task.Run(() => serializer.Prepare(state.ToSnapshot())).PipeTo(Self,
            success: snapshot => new SnapshotSerialized(sequenceNr, snapshot),
            failure: cause => new SnapshotNotSerialized(sequenceNr, cause));
    }

    /// <summary>
    /// The snapshot in flight is saved, or is not (<paramref name="cause"/>): the next one may start, at once if it is due
    /// (events may have been written meanwhile, and no command may come to prompt it). False for another snapshot.
    /// </summary>
    private bool SnapshotEnded(long sequenceNr, Exception? cause)
    {
        if (sequenceNr != _snapshotInFlight) return false;
        _snapshotInFlight = null;
        Timers.Cancel("snapshot");
        if (cause is not null) _log.Warning(cause, "sweep {0}: the snapshot at event {1} was not saved", _state.Id, sequenceNr);
        SnapshotIfDue();
        return true;
    }

    private sealed record SnapshotSerialized(long SequenceNr, PreSerialized Snapshot);

    private sealed record SnapshotNotSerialized(long SequenceNr, Exception Cause);

    private sealed record SnapshotTimedOut(long SequenceNr);

    private void Send(SweepDecision d)
    {
        foreach (var o in d.Replies) o.To.Tell(o.Message);
        foreach (var s in d.ToSlots) Context.ActorSelection(s.Path).Tell(s.Message);
    }

    private static void Count(IReadOnlyList<Shared.Protocol.ISweepEvent> events)
    {
        foreach (var e in events)
        {
            if (e is Shared.Protocol.SweepEvents.TrialMetricsRecorded m) Observability.CoordinatorMetrics.MetricPoints(m.Points.Count);
            else if (e is Shared.Protocol.SweepEvents.TrialFinished f) Observability.CoordinatorMetrics.AttemptEnded(f.Outcome);
        }
    }

    /// <summary>Watchers get at most one update per push interval, however many events arrive.</summary>
    private void SchedulePush()
    {
        if (_pushScheduled || _subscribers.Count == 0) return;
        _pushScheduled = true;
        // Large sweeps send large updates: push them less often.
        var interval = _state.Trials.Count > 1000 ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(250);
        Timers.StartSingleTimer("push", new PushUpdate(), interval);
    }

    private void Drop(IActorRef subscriber)
    {
        _subscribers.Remove(subscriber);
        Context.Unwatch(subscriber);
    }

    private void Started()
    {
        Timers.StartPeriodicTimer("leases", new TickLeases(), _tick);
        if (InCluster) Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));
    }

    /// <summary>False in tests that host a sweep in a plain local actor system.</summary>
    private static bool InCluster => ((ExtendedActorSystem)Context.System).Provider is ClusterActorRefProvider;

    protected override void PostStop()
    {
        if (InCluster) Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        base.PostStop();
    }

    private void NotCreated(object? reply)
    {
        if (reply is not null) Sender.Tell(reply);
        // Passivating (not just stopping) keeps remember-entities from restarting an empty sweep.
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    private sealed record TickLeases;

    /// <summary>The message sharding stops a sweep entity with (its hand-off stop message).</summary>
    public sealed record StopSweep
    {
        public static readonly StopSweep Instance = new();
    }

    private sealed record PushUpdate;
}
