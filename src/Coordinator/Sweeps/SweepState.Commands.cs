using Akka.Actor;
using Atelier.Shared.Protocol;
using Atelier.Shared.Search;
using Atelier.Shared.Specs;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.SweepEvents;

namespace Atelier.Coordinator.Sweeps;

/// <summary>The decisions: each command in, events and replies out; nothing is changed here.</summary>
public sealed partial class SweepState
{
    public SweepDecision Process(object command, IActorRef sender, DateTimeOffset now) => command switch
    {
        CreateSweep c => Create(c, sender, now),
        LeaseTrial c => Lease(c, sender, now),
        ReportProgress c => Progress(c, now),
        FinishTrial c => Finish(c, sender, now),
        RejectTrial c => Reject(c, now),
        CheckLeases c => ExpireLeases(c.Now),
        NodeRemoved c => RequeueNode(c.Node, c.Now),
        CancelSweep c => Cancel(c, sender, now),
        PauseSweep c => Control(sender, c.SweepId, IsPaused || IsFinished || IsCancelled,
            IsPaused ? "is already paused" : "has already ended", new SweepPaused(now), "paused: running trials finish, no new ones start"),
        ResumeSweep c => Control(sender, c.SweepId, !IsPaused, "is not paused", new SweepResumed(now), "resumed"),
        ExtendSweep c => Extend(c, sender, now),
        ArtifactProtocol.RecordArtifact c => Record(c, sender, now),
        _ => SweepDecision.None,
    };

    private SweepDecision Create(CreateSweep c, IActorRef sender, DateTimeOffset now)
    {
        if (IsCreated)
        {
            // A client retrying the same submission gets the same answer; anything else is a clash.
            var same = c.SpecYaml == SpecYaml && c.Seed == Seed;
            return SweepDecision.Reply(sender, new CreateSweepReply(c.SweepId, same, _trials.Count,
                same ? null : $"sweep {c.SweepId} already exists"));
        }

        // A bayes sweep suggests its trials one by one as results arrive; the others expand now.
        var trials = c.Spec.Method == SearchMethod.Bayes ? [] : SearchSpace.Expand(c.Spec, c.Seed);
        var total = c.Spec.Method == SearchMethod.Bayes ? (int)SearchSpace.TrialCount(c.Spec) : trials.Count;
        if (total == 0)
            return SweepDecision.Reply(sender, new CreateSweepReply(c.SweepId, false, 0, "the search space has no trials"));

        return new SweepDecision(
            [new SweepCreated(c.SweepId, c.Spec, c.SpecYaml, c.Seed, trials, now)],
            [new Outgoing(sender, new CreateSweepReply(c.SweepId, true, total, null))]);
    }

    private SweepDecision Lease(LeaseTrial c, IActorRef broker, DateTimeOffset now)
    {
        if (!CanLease) return SweepDecision.Reply(broker, new WorkerProtocol.NoWork(c.SweepId, c.Request));
        // A trial needing several devices starts only from a node with that many free (the broker then holds the node for it).
        var devices = Spec!.DevicesPerTrial;
        if (devices > c.FreeDevices) return SweepDecision.Reply(broker, new WorkerProtocol.NoWork(c.SweepId, c.Request, devices));

        var events = new List<ISweepEvent>();
        TrialPlan plan;
        int attempt;
        IReadOnlyList<ArtifactInfo> checkpoints = [];
        long lastStep = -1;
        if (_pending.Count > 0)
        {
            var t = _trials[_pending.Min];
            plan = new TrialPlan(t.Index, t.Parameters);
            attempt = t.Attempt + 1;
            checkpoints = t.Artifacts.Where(x => x.Kind == ArtifactInfo.Checkpoint).OrderByDescending(x => x.Step).ToList();
            lastStep = t.LastStep;
        }
        else
        {
            plan = new TrialPlan(_trials.Count, BayesSearch.Suggest(Spec!, Observations(), Seed, _trials.Count));
            attempt = 1;
            events.Add(new TrialSuggested(plan, now));
        }
        events.Add(new TrialLeased(plan.Index, attempt, c.Slot, now, devices));
        var assign = new WorkerProtocol.AssignTrial(c.SweepId, plan.Index, attempt, Spec.Job, plan.Parameters, lastStep, checkpoints, devices);
        return new SweepDecision(events, [new Outgoing(c.SlotRef, assign)]);
    }

    /// <summary>Completed trials with their metric, in the order they completed (what bayes learns from).</summary>
    private List<Observation> Observations() =>
        _completionOrder
            .Select(i => _trials[i])
            .Where(t => t.Status == TrialStatus.Completed)
            .Select(t => new Observation(t.Parameters, t.Metrics.TryGetValue(Spec!.Metric.Name, out var v) ? v : double.NaN))
            .ToList();

    private SweepDecision Progress(ReportProgress c, DateTimeOffset now)
    {
        if (Find(c.TrialIndex) is { Status: TrialStatus.Stopped, Slot: { } slot } stopped && stopped.Attempt == c.Attempt)
        {
            // The slot has not stopped yet (the request may have been lost): tell it again.
            return SweepDecision.None with { ToSlots = [new SlotMessage(slot, new WorkerProtocol.StopTrial(Id!.Value, c.TrialIndex, c.Attempt, stopped.StopReason ?? "stopped early"))] };
        }
        if (!IsCurrent(c.TrialIndex, c.Attempt) || c.Points.Count == 0) return SweepDecision.None;

        var recorded = new TrialMetricsRecorded(c.TrialIndex, c.Attempt, c.Points);
        if (EarlyStop(c.TrialIndex, c.Points) is not { } stop) return new SweepDecision([recorded], []);
        var t = _trials[c.TrialIndex];
        return new SweepDecision([recorded, new TrialEarlyStopped(c.TrialIndex, c.Attempt, stop.Rung, stop.Reason, now)], [])
        {
            ToSlots = [new SlotMessage(t.Slot!, new WorkerProtocol.StopTrial(Id!.Value, c.TrialIndex, c.Attempt, stop.Reason))],
        };
    }

    /// <summary>Whether early_terminate stops the trial at one of the new points (evaluated in step order).</summary>
    private StopDecision? EarlyStop(int trialIndex, IReadOnlyList<MetricPoint> points)
    {
        if (Spec!.EarlyTerminate is not { } rule) return null;
        var metric = Spec.Metric.Name;
        var series = new SortedDictionary<long, double>(_metricHistory.TryGetValue(trialIndex, out var known) ? known.ToDictionary() : []);
        var history = new Dictionary<int, IReadOnlyDictionary<long, double>>(_metricHistory) { [trialIndex] = series };
        foreach (var point in points.OrderBy(p => p.Step))
        {
            if (!point.Values.TryGetValue(metric, out var value)) continue;
            long? previous = series.Count > 0 ? series.Keys.Last() : null;
            series[point.Step] = value;
            if (rule.Type == EarlyTerminateType.Hyperband && EarlyStopping.RungAt(rule, previous, point.Step) is null) continue;
            if (EarlyStopping.Evaluate(rule, Spec.Metric.Goal, trialIndex, point.Step, history, metric) is { } stop) return stop;
        }
        return null;
    }

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
        var expired = RequeueRunning(t => now - t.LastSeen > LeaseTimeout,
            t => $"lease expired: no word from slot {t.Slot?.SlotId} on {t.Slot?.Node} for {LeaseTimeout.TotalSeconds:0}s", now);
        // Stop requests can be lost: a cancelled sweep repeats them until its trials have ended.
        var stops = IsCancelled ? StopRunning("sweep cancelled") : [];
        return expired.Count == 0 && stops.Count == 0 ? SweepDecision.None : new SweepDecision(expired, []) { ToSlots = stops };
    }

    private SweepDecision RequeueNode(string node, DateTimeOffset now)
    {
        var lost = RequeueRunning(t => t.Slot?.Node == node,
            t => $"node {node} left the cluster while slot {t.Slot!.SlotId} ran it (member removed)", now);
        return lost.Count == 0 ? SweepDecision.None : new SweepDecision(lost, []);
    }

    /// <summary>A <see cref="TrialRequeued"/> for each running trial that <paramref name="lost"/> picks, with its reason.</summary>
    private List<ISweepEvent> RequeueRunning(Func<TrialState, bool> lost, Func<TrialState, string> reason, DateTimeOffset now) =>
        _trials
            .Where(t => t.Status == TrialStatus.Running && lost(t))
            .Select(t => (ISweepEvent)new TrialRequeued(t.Index, t.Attempt, reason(t), now))
            .ToList();

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

    private SweepDecision Control(IActorRef sender, SweepId id, bool refused, string why, ISweepEvent e, string done) =>
        refused
            ? SweepDecision.Reply(sender, new SweepControlReply(id, false, $"sweep {id} {why}"))
            : new SweepDecision([e], [new Outgoing(sender, new SweepControlReply(id, true, $"sweep {id} {done}"))]);

    private SweepDecision Extend(ExtendSweep c, IActorRef sender, DateTimeOffset now)
    {
        SweepDecision Refuse(string message) => SweepDecision.Reply(sender, new SweepControlReply(c.SweepId, false, $"cannot extend sweep {c.SweepId}: {message}"));
        var spec = Spec!;
        if (c.Spec.Job != spec.Job) return Refuse($"its job is {spec.Job}, not {c.Spec.Job}");
        if (c.Spec.Method != spec.Method) return Refuse($"its method is {spec.Method.ToString().ToLowerInvariant()}, not {c.Spec.Method.ToString().ToLowerInvariant()}");
        if (c.Spec.Metric != spec.Metric) return Refuse($"its metric is {spec.Metric.Name} ({spec.Metric.Goal.ToString().ToLowerInvariant()}); results would not compare");

        var added = SweepExtension.NewTrials(c.Spec, Seed, _trials);
        if (_trials.Count + added.Count > SearchSpace.MaxTrials)
            return Refuse($"it would have {_trials.Count + added.Count} trials; the limit is {SearchSpace.MaxTrials}");
        if (added.Count == 0 && c.SpecYaml == SpecYaml) return Refuse("the spec is the same and adds no trial");

        return new SweepDecision(
            [new SweepExtended(c.Spec, c.SpecYaml, added, now)],
            [new Outgoing(sender, new SweepControlReply(c.SweepId, true, $"sweep {c.SweepId} extended with {added.Count} trials"))]);
    }

    private SweepDecision Record(ArtifactProtocol.RecordArtifact c, IActorRef sender, DateTimeOffset now)
    {
        if (Find(c.TrialIndex) is null)
            return SweepDecision.Reply(sender, new ArtifactProtocol.ArtifactRecorded(c.SweepId, c.Artifact.Sha256, $"sweep {c.SweepId} has no trial {c.TrialIndex}"));
        // Checkpoints of an earlier attempt are still progress of this trial: they are kept too.
        return new SweepDecision([new TrialArtifactStored(c.TrialIndex, c.Attempt, c.Artifact, now)],
            [new Outgoing(sender, new ArtifactProtocol.ArtifactRecorded(c.SweepId, c.Artifact.Sha256, null))]);
    }

    /// <summary>The artifact with this hash, if one of the sweep's trials has it.</summary>
    public ArtifactInfo? FindArtifact(string sha256) =>
        _trials.SelectMany(t => t.Artifacts).FirstOrDefault(a => a.Sha256 == sha256);

    private List<SlotMessage> StopRunning(string reason) =>
        _trials.Where(t => t is { Status: TrialStatus.Running, Slot: not null })
            .Select(t => new SlotMessage(t.Slot!, new WorkerProtocol.StopTrial(Id!.Value, t.Index, t.Attempt, reason)))
            .ToList();

    private bool IsCurrent(int index, int attempt) =>
        Find(index) is { Status: TrialStatus.Running } t && t.Attempt == attempt;
}
