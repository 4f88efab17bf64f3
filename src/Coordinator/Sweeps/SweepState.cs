using Akka.Actor;
using Atelier.Shared.Protocol;
using Atelier.Shared.Specs;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.SweepEvents;

namespace Atelier.Coordinator.Sweeps;

/// <summary>
/// The domain of one sweep, free of actors: <see cref="Process"/> turns a command into events and
/// replies without changing anything; <see cref="Apply"/> folds an event into the state.
/// </summary>
public sealed class SweepState(TimeSpan leaseTimeout)
{
    private readonly List<TrialState> _trials = [];
    private readonly SortedSet<int> _pending = [];

    public SweepId? Id { get; private set; }
    public SweepSpec? Spec { get; private set; }
    public string SpecYaml { get; private set; } = "";
    public long Seed { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>Why the sweep was cancelled, once it was.</summary>
    public string? CancelReason { get; private set; }

    public bool IsCancelled => CancelReason is not null;
    public IReadOnlyList<TrialState> Trials => _trials;
    public TimeSpan LeaseTimeout { get; } = leaseTimeout;

    public bool IsCreated => Spec is not null;
    public int Running { get; private set; }
    public int PendingCount => _pending.Count;
    public bool IsFinished => IsCreated && _trials.All(t => t.IsTerminal);

    /// <summary>Whether a slot asking now would get a trial (pending work within max_concurrent).</summary>
    public bool CanLease => IsCreated && !IsCancelled && _pending.Count > 0 && (Spec!.MaxConcurrent == 0 || Running < Spec.MaxConcurrent);

    public SweepDecision Process(object command, IActorRef sender, DateTimeOffset now) => command switch
    {
        CreateSweep c => Create(c, sender, now),
        LeaseTrial c => Lease(c, sender, now),
        ReportProgress c => Progress(c),
        FinishTrial c => Finish(c, sender, now),
        RejectTrial c => Reject(c, now),
        CheckLeases c => ExpireLeases(c.Now),
        CancelSweep c => Cancel(c, sender, now),
        _ => SweepDecision.None,
    };

    /// <summary>Renews the lease of a running attempt (any word from its slot counts).</summary>
    public void Touch(int trialIndex, int attempt, DateTimeOffset now)
    {
        if (Find(trialIndex) is { Status: TrialStatus.Running } t && t.Attempt == attempt) t.LastSeen = now;
    }

    /// <summary>After recovery every running attempt gets a full lease period to report in.</summary>
    public void ResetLeaseClocks(DateTimeOffset now)
    {
        foreach (var t in _trials.Where(t => t.Status == TrialStatus.Running)) t.LastSeen = now;
    }

    public void Apply(ISweepEvent e)
    {
        switch (e)
        {
            case SweepCreated c:
                Id = c.SweepId;
                Spec = c.Spec;
                SpecYaml = c.SpecYaml;
                Seed = c.Seed;
                CreatedAt = c.At;
                foreach (var plan in c.Trials)
                {
                    _trials.Add(new TrialState(plan.Index, plan.Parameters));
                    _pending.Add(plan.Index);
                }
                break;
            case TrialLeased l:
            {
                var t = _trials[l.TrialIndex];
                _pending.Remove(t.Index);
                t.Status = TrialStatus.Running;
                t.Attempt = l.Attempt;
                t.Slot = l.Slot;
                t.StartedAt ??= l.At;
                t.LastSeen = l.At;
                Running++;
                break;
            }
            case TrialMetricsRecorded m:
            {
                var t = _trials[m.TrialIndex];
                foreach (var p in m.Points) t.History[p.Step] = p.Values;
                break;
            }
            case TrialFinished f:
            {
                var t = _trials[f.TrialIndex];
                Running--;
                if (f.Outcome == TrialOutcome.Failed)
                {
                    t.Failures++;
                    t.Error = f.Error;
                }
                if (f.WillRetry && !IsCancelled)
                {
                    t.Status = TrialStatus.Pending;
                    t.Slot = null;
                    _pending.Add(t.Index);
                }
                else
                {
                    t.Status = f.Outcome switch
                    {
                        TrialOutcome.Completed => TrialStatus.Completed,
                        TrialOutcome.Cancelled => TrialStatus.Cancelled,
                        _ => TrialStatus.Failed,
                    };
                    t.Metrics = f.FinalMetrics;
                    t.FinishedAt = f.At;
                    t.SlotIdleMs = f.SlotIdleMs;
                    if (f.Outcome == TrialOutcome.Completed) t.Error = null;
                }
                if (IsFinished) FinishedAt = f.At;
                break;
            }
            case TrialRequeued r:
            {
                var t = _trials[r.TrialIndex];
                Running--;
                t.Slot = null;
                if (IsCancelled)
                {
                    // A cancelled sweep does not run the trial again.
                    t.Status = TrialStatus.Cancelled;
                    t.FinishedAt = r.At;
                    if (IsFinished) FinishedAt = r.At;
                }
                else
                {
                    t.Status = TrialStatus.Pending;
                    _pending.Add(t.Index);
                }
                break;
            }
            case SweepCancelled c:
                CancelReason = c.Reason;
                foreach (var index in _pending)
                {
                    _trials[index].Status = TrialStatus.Cancelled;
                    _trials[index].FinishedAt = c.At;
                }
                _pending.Clear();
                if (IsFinished) FinishedAt = c.At;
                break;
        }
    }

    private SweepDecision Create(CreateSweep c, IActorRef sender, DateTimeOffset now)
    {
        if (IsCreated)
        {
            // A client retrying the same submission gets the same answer; anything else is a clash.
            var same = c.SpecYaml == SpecYaml && c.Seed == Seed;
            return SweepDecision.Reply(sender, new CreateSweepReply(c.SweepId, same, _trials.Count,
                same ? null : $"sweep {c.SweepId} already exists"));
        }

        var trials = SearchSpace.Expand(c.Spec, c.Seed);
        if (trials.Count == 0)
            return SweepDecision.Reply(sender, new CreateSweepReply(c.SweepId, false, 0, "the search space has no trials"));

        return new SweepDecision(
            [new SweepCreated(c.SweepId, c.Spec, c.SpecYaml, c.Seed, trials, now)],
            [new Outgoing(sender, new CreateSweepReply(c.SweepId, true, trials.Count, null))]);
    }

    private SweepDecision Lease(LeaseTrial c, IActorRef broker, DateTimeOffset now)
    {
        if (!CanLease) return SweepDecision.Reply(broker, new WorkerProtocol.NoWork(c.SweepId, new WorkerProtocol.RequestWork(c.Slot, c.SlotRef)));

        var t = _trials[_pending.Min];
        var attempt = t.Attempt + 1;
        var assign = new WorkerProtocol.AssignTrial(c.SweepId, t.Index, attempt, Spec!.Job, t.Parameters, t.LastStep);
        return new SweepDecision([new TrialLeased(t.Index, attempt, c.Slot, now)], [new Outgoing(c.SlotRef, assign)]);
    }

    private SweepDecision Progress(ReportProgress c) =>
        IsCurrent(c.TrialIndex, c.Attempt) && c.Points.Count > 0
            ? new SweepDecision([new TrialMetricsRecorded(c.TrialIndex, c.Attempt, c.Points)], [])
            : SweepDecision.None;

    private SweepDecision Finish(FinishTrial c, IActorRef sender, DateTimeOffset now)
    {
        var ack = new Outgoing(sender, new WorkerProtocol.FinishAck(c.SweepId, c.TrialIndex, c.Attempt));
        // A late or repeated report of an attempt that is no longer current is acknowledged and ignored.
        if (!IsCurrent(c.TrialIndex, c.Attempt)) return new SweepDecision([], [ack]);

        var t = _trials[c.TrialIndex];
        var willRetry = c.Outcome == TrialOutcome.Failed && t.Failures < Spec!.MaxRetries && !IsCancelled;
        var events = new List<ISweepEvent>();
        if (c.Points.Count > 0) events.Add(new TrialMetricsRecorded(c.TrialIndex, c.Attempt, c.Points));
        events.Add(new TrialFinished(c.TrialIndex, c.Attempt, c.Outcome, c.FinalMetrics, c.Error, willRetry, now, c.SlotIdleMs));
        return new SweepDecision(events, [ack]);
    }

    private SweepDecision Reject(RejectTrial c, DateTimeOffset now) =>
        IsCurrent(c.TrialIndex, c.Attempt)
            ? new SweepDecision([new TrialRequeued(c.TrialIndex, c.Attempt, c.Reason, now)], [])
            : SweepDecision.None;

    private SweepDecision ExpireLeases(DateTimeOffset now)
    {
        var expired = _trials
            .Where(t => t.Status == TrialStatus.Running && now - t.LastSeen > LeaseTimeout)
            .Select(t => (ISweepEvent)new TrialRequeued(t.Index, t.Attempt,
                $"lease expired: no word from slot {t.Slot?.SlotId} on {t.Slot?.Node} for {LeaseTimeout.TotalSeconds:0}s", now))
            .ToList();
        // Stop requests can be lost: a cancelled sweep repeats them until its trials have ended.
        var stops = IsCancelled ? StopRunning("sweep cancelled") : [];
        return expired.Count == 0 && stops.Count == 0 ? SweepDecision.None : new SweepDecision(expired, []) { ToSlots = stops };
    }

    private SweepDecision Cancel(CancelSweep c, IActorRef sender, DateTimeOffset now)
    {
        if (IsCancelled) return SweepDecision.Reply(sender, new CancelSweepReply(c.SweepId, false, $"sweep {c.SweepId} was already cancelled"));
        if (IsFinished) return SweepDecision.Reply(sender, new CancelSweepReply(c.SweepId, false, $"sweep {c.SweepId} has already finished"));
        var reason = string.IsNullOrWhiteSpace(c.Reason) ? "cancelled" : c.Reason;
        return new SweepDecision(
            [new SweepCancelled(reason, now)],
            [new Outgoing(sender, new CancelSweepReply(c.SweepId, true,
                $"sweep {c.SweepId} cancelled: {_pending.Count} pending trials cancelled, {Running} running trials told to stop"))])
        {
            ToSlots = StopRunning(reason),
        };
    }

    private List<SlotMessage> StopRunning(string reason) =>
        _trials.Where(t => t is { Status: TrialStatus.Running, Slot: not null })
            .Select(t => new SlotMessage(t.Slot!, new WorkerProtocol.StopTrial(Id!.Value, t.Index, t.Attempt, reason)))
            .ToList();

    private bool IsCurrent(int index, int attempt) =>
        Find(index) is { Status: TrialStatus.Running } t && t.Attempt == attempt;

    private TrialState? Find(int index) => index >= 0 && index < _trials.Count ? _trials[index] : null;
}
