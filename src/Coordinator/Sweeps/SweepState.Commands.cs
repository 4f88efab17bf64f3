using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Shared.Search;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.SweepEvents;

namespace Atelier.Coordinator.Sweeps;

/// <summary>The decisions: each command in, events and replies out.</summary>
public sealed partial record SweepState
{
    public SweepDecision Process(ISweepCommand command, IActorRef sender, DateTimeOffset now) => command switch
    {
        CreateSweep c => Create(c, sender, now),
        LeaseTrial c => Lease(c, sender, now),
        ReportProgress c => Progress(c, sender, now),
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
        _ => throw new ArgumentException($"{command.GetType().Name} is a sweep command without a decision here", nameof(command)),
    };

    private SweepDecision Create(CreateSweep c, IActorRef sender, DateTimeOffset now)
    {
        if (IsCreated)
        {
            // A client retrying the same submission gets the same answer; anything else is a clash.
            var same = c.SpecYaml == SpecYaml && c.Seed == Seed;
            return SweepDecision.Reply(sender, new CreateSweepReply(c.SweepId, same, TrialList.Count,
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
        if (Pending.Count > 0)
        {
            var t = TrialList[Pending.Min];
            plan = new TrialPlan(t.Index, t.Parameters);
            attempt = t.Attempt + 1;
            // A checkpoint is a resume point only once every metric up to its step is recorded: resuming from a later
            // one would leave the steps in between missing. (Recording a checkpoint waits for its metrics, so this only
            // matters for journals written before that rule.)
            checkpoints = t.Artifacts.Where(x => x.Kind == ArtifactInfo.Checkpoint && x.Step <= t.LastStep).OrderByDescending(x => x.Step).ToList();
            lastStep = t.LastStep;
        }
        else
        {
            plan = new TrialPlan(TrialList.Count, BayesSearch.Suggest(Spec!, Observations(), Seed, TrialList.Count));
            attempt = 1;
            events.Add(new TrialSuggested(plan, now));
        }
        events.Add(new TrialLeased(plan.Index, attempt, c.Slot, now, devices));
        var assign = new WorkerProtocol.AssignTrial(c.SweepId, plan.Index, attempt, Spec.Job, plan.Parameters, lastStep, checkpoints, devices);
        return new SweepDecision(events, [new Outgoing(c.SlotRef, assign)]);
    }

    /// <summary>Completed trials with their metric, in the order they completed (what bayes learns from).</summary>
    private List<Observation> Observations() =>
        CompletionOrder
            .Select(i => TrialList[i])
            .Where(t => t.Status == TrialStatus.Completed)
            .Select(t => new Observation(t.Parameters, t.Metrics.TryGetValue(Spec!.Metric.Name, out var v) ? v : double.NaN))
            .ToList();

    private SweepDecision Progress(ReportProgress c, IActorRef sender, DateTimeOffset now)
    {
        if (Find(c.TrialIndex) is { Status: TrialStatus.Stopped, Slot: { } slot } stopped && stopped.Attempt == c.Attempt)
        {
            // The slot has not stopped yet (the request may have been lost): tell it again.
            return SweepDecision.None with { ToSlots = [new SlotMessage(slot, new WorkerProtocol.StopTrial(Id!.Value, c.TrialIndex, c.Attempt, stopped.StopReason ?? "stopped early"))] };
        }
        if (Find(c.TrialIndex) is not { } t) return SweepDecision.None;
        if (!IsCurrent(c.TrialIndex, c.Attempt)) return Superseded(t, c.Attempt, sender);
        if (c.Points.Count == 0) return SweepDecision.None;
        if (NewPoints(t, c.After, c.Points) is not { } points) return Lost(t, c.After, sender, now);

        var ack = new Outgoing(sender, new WorkerProtocol.ProgressAck(Id!.Value, c.TrialIndex, c.Attempt, c.Points.Max(p => p.Step)));
        if (points.Count == 0) return new SweepDecision([], [ack]); // a resend of what is recorded already
        var recorded = new TrialMetricsRecorded(c.TrialIndex, c.Attempt, points);
        if (EarlyStop(c.TrialIndex, points) is not { } stop) return new SweepDecision([recorded], [ack]);
        return new SweepDecision([recorded, new TrialEarlyStopped(c.TrialIndex, c.Attempt, stop.Rung, stop.Reason, now)], [ack])
        {
            ToSlots = [new SlotMessage(t.Slot!, new WorkerProtocol.StopTrial(Id!.Value, c.TrialIndex, c.Attempt, stop.Reason))],
        };
    }

    /// <summary>
    /// The points of a report that continue what the attempt has recorded: those not recorded yet (a resend repeats
    /// some), or null when the report does not continue the history (it goes on after <paramref name="after"/>, and the
    /// steps between what is recorded and there are missing: recording it would leave a hole).
    /// </summary>
    private static List<MetricPoint>? NewPoints(TrialState t, long after, IReadOnlyList<MetricPoint> points)
    {
        // Before its first report an attempt continues the trial's history (it resumed from a checkpoint no later
        // than the last recorded step, or from scratch); after it, its own.
        if (after > (t.Through ?? t.LastStep)) return null;
        var from = t.Through ?? after;
        return points.Where(p => p.Step > from).ToList();
    }

    /// <summary>
    /// An attempt whose recorded metrics end before where its report goes on: the steps in between were lost (a journal
    /// that lost acknowledged events). The attempt cannot fill the hole; the trial goes back to the queue and resumes
    /// from a checkpoint no later than what is recorded.
    /// </summary>
    private SweepDecision Lost(TrialState t, long after, IActorRef slot, DateTimeOffset now)
    {
        var reason = $"its metrics after step {t.Through ?? t.LastStep} are not recorded and the slot went on after step {after}: it starts again from a checkpoint";
        return new SweepDecision([new TrialRequeued(t.Index, t.Attempt, reason, now)],
            [new Outgoing(slot, new WorkerProtocol.StopTrial(Id!.Value, t.Index, t.Attempt, reason))]);
    }

    /// <summary>
    /// A report from an attempt that is no longer the trial's current one (its lease expired while its worker was
    /// frozen or cut off, and the trial went back to the queue or ran elsewhere): nothing of it is recorded, and its
    /// slot is told to stop.
    /// </summary>
    private SweepDecision Superseded(TrialState t, int attempt, IActorRef slot) =>
        SweepDecision.Reply(slot, new WorkerProtocol.StopTrial(Id!.Value, t.Index, attempt,
            $"attempt {attempt} of trial {t.Index} is no longer current (the trial is {t.Status.ToString().ToLowerInvariant()}, attempt {t.Attempt}): nothing it reports is recorded"));

    /// <summary>Whether early_terminate stops the trial at one of the new points (evaluated in step order).</summary>
    private StopDecision? EarlyStop(int trialIndex, IReadOnlyList<MetricPoint> points)
    {
        if (Spec!.EarlyTerminate is not { } rule) return null;
        var metric = Spec.Metric.Name;
        var series = MetricSeries(trialIndex);
        foreach (var point in points.OrderBy(p => p.Step))
        {
            if (!point.Values.TryGetValue(metric, out var value)) continue;
            long? previous = series.Count > 0 ? series.Keys.Last() : null;
            series = series.SetItem(point.Step, value);
            if (rule.Type == EarlyTerminateType.Hyperband && EarlyStopping.RungAt(rule, previous, point.Step) is null) continue;
            var history = MetricHistory.SetItem(trialIndex, series);
            if (EarlyStopping.Evaluate(rule, Spec.Metric.Goal, trialIndex, point.Step, history, metric) is { } stop) return stop;
        }
        return null;
    }

    private SweepDecision Finish(FinishTrial c, IActorRef sender, DateTimeOffset now)
    {
        var ack = new Outgoing(sender, new WorkerProtocol.FinishAck(c.SweepId, c.TrialIndex, c.Attempt));
        // A late or repeated report of an attempt that is no longer current is acknowledged and ignored.
        if (!IsCurrent(c.TrialIndex, c.Attempt)) return new SweepDecision([], [ack]);

        var t = TrialList[c.TrialIndex];
        if (NewPoints(t, c.After, c.Points) is not { } points)
        {
            var lost = Lost(t, c.After, sender, now);
            return lost with { Replies = [ack] };
        }
        var willRetry = c.Outcome == TrialOutcome.Failed && t.Failures < Spec!.MaxRetries && !IsCancelled;
        var events = new List<ISweepEvent>();
        if (points.Count > 0) events.Add(new TrialMetricsRecorded(c.TrialIndex, c.Attempt, points));
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
        TrialList
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
                $"sweep {c.SweepId} cancelled: {Pending.Count} pending trials cancelled, {Running} running trials told to stop"))])
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

        var added = SweepExtension.NewTrials(c.Spec, Seed, TrialList);
        if (TrialList.Count + added.Count > SearchSpace.MaxTrials)
            return Refuse($"it would have {TrialList.Count + added.Count} trials; the limit is {SearchSpace.MaxTrials}");
        if (added.Count == 0 && c.SpecYaml == SpecYaml) return Refuse("the spec is the same and adds no trial");

        return new SweepDecision(
            [new SweepExtended(c.Spec, c.SpecYaml, added, now)],
            [new Outgoing(sender, new SweepControlReply(c.SweepId, true, $"sweep {c.SweepId} extended with {added.Count} trials"))]);
    }

    private SweepDecision Record(ArtifactProtocol.RecordArtifact c, IActorRef sender, DateTimeOffset now)
    {
        SweepDecision Refuse(string error) => SweepDecision.Reply(sender, new ArtifactProtocol.ArtifactRecorded(c.SweepId, c.Artifact.Sha256, error));
        var a = c.Artifact;
        if (Find(c.TrialIndex) is not { } t) return Refuse($"sweep {c.SweepId} has no trial {c.TrialIndex}");
        // A late upload of an attempt whose lease expired (its worker was frozen or cut off) belongs to no history the
        // sweep keeps: a resume from its checkpoint would skip steps whose metrics were refused.
        if (!IsCurrent(c.TrialIndex, c.Attempt))
            return Refuse($"attempt {c.Attempt} of trial {c.TrialIndex} is no longer current (the trial is {t.Status.ToString().ToLowerInvariant()}, attempt {t.Attempt}): its {a.Kind} {a.FileName} is not recorded");
        // A checkpoint is a resume point: every metric up to its step must be recorded first (the slot uploads it only
        // once they are acknowledged), or a resume from it would leave the steps in between missing.
        if (a.Kind == ArtifactInfo.Checkpoint && a.Step > (t.Through ?? -1))
            return Refuse($"checkpoint {a.FileName} of step {a.Step} arrived before the metrics of that step were recorded " +
                          $"(attempt {c.Attempt} has them through step {(t.Through is { } through ? through : "none")}): a resume from it would leave a hole");
        return new SweepDecision([new TrialArtifactStored(c.TrialIndex, c.Attempt, a, now)],
            [new Outgoing(sender, new ArtifactProtocol.ArtifactRecorded(c.SweepId, a.Sha256, null))]);
    }

    /// <summary>The artifact with this hash, if one of the sweep's trials has it.</summary>
    public ArtifactInfo? FindArtifact(string sha256) =>
        TrialList.SelectMany(t => t.Artifacts).FirstOrDefault(a => a.Sha256 == sha256);

    private List<SlotMessage> StopRunning(string reason) =>
        TrialList.Where(t => t is { Status: TrialStatus.Running, Slot: not null })
            .Select(t => new SlotMessage(t.Slot!, new WorkerProtocol.StopTrial(Id!.Value, t.Index, t.Attempt, reason)))
            .ToList();

    private bool IsCurrent(int index, int attempt) =>
        Find(index) is { Status: TrialStatus.Running } t && t.Attempt == attempt;
}
