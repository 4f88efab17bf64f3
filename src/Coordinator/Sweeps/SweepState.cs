using System.Collections.Immutable;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Protocol.SweepEvents;

namespace Atelier.Coordinator.Sweeps;

/// <summary>
/// The domain of one sweep, free of actors and immutable: <see cref="Process"/> turns a command into events and
/// replies; <see cref="Apply"/> folds an event into the next state. Deciding cannot change anything: nothing here can.
/// </summary>
public sealed partial record SweepState(TimeSpan LeaseTimeout)
{
    private ImmutableList<TrialState> TrialList { get; init; } = [];
    private ImmutableSortedSet<int> Pending { get; init; } = [];
    private ImmutableArray<int> StatusCounts { get; init; } = [.. new int[Enum.GetValues<TrialStatus>().Length]];

    // The sweep metric per trial and step (each an ImmutableSortedDictionary), kept for early stopping; and the order
    // trials completed in, for bayes.
    private ImmutableDictionary<int, IReadOnlyDictionary<long, double>> MetricHistory { get; init; } =
        ImmutableDictionary<int, IReadOnlyDictionary<long, double>>.Empty;
    private ImmutableList<int> CompletionOrder { get; init; } = [];

    private ImmutableSortedDictionary<long, double> MetricSeries(int trial) =>
        MetricHistory.TryGetValue(trial, out var series) ? (ImmutableSortedDictionary<long, double>)series : ImmutableSortedDictionary<long, double>.Empty;

    public SweepId? Id { get; private init; }
    public SweepSpec? Spec { get; private init; }
    public string SpecYaml { get; private init; } = "";
    public long Seed { get; private init; }
    public DateTimeOffset CreatedAt { get; private init; }
    public DateTimeOffset? FinishedAt { get; private init; }

    /// <summary>Why the sweep was cancelled, once it was.</summary>
    public string? CancelReason { get; private init; }

    public bool IsCancelled => CancelReason is not null;
    public bool IsPaused { get; private init; }
    public IReadOnlyList<TrialState> Trials => TrialList;

    public bool IsCreated => Spec is not null;
    public int Running => Count(TrialStatus.Running);
    public int PendingCount => Pending.Count;

    public bool IsFinished => IsCreated && Count(TrialStatus.Pending) + Running == 0 && ToSuggest == 0;

    /// <summary>Trials a bayes sweep has yet to suggest (its run_cap minus those it has).</summary>
    public int ToSuggest => Spec is { Method: SearchMethod.Bayes, RunCap: { } cap } && !IsCancelled ? Math.Max(0, cap - TrialList.Count) : 0;

    /// <summary>Whether a slot asking now would get a trial (pending work within max_concurrent).</summary>
    public bool CanLease => IsCreated && !IsCancelled && !IsPaused && Pending.Count + ToSuggest > 0
        && (Spec!.MaxConcurrent == 0 || Running < Spec.MaxConcurrent);

    public SweepStatus Status =>
        IsCancelled ? SweepStatus.Cancelled : IsFinished ? SweepStatus.Completed : IsPaused ? SweepStatus.Paused : SweepStatus.Running;

    /// <summary>How many trials are in <paramref name="status"/>, kept as events are applied.</summary>
    public int Count(TrialStatus status) => StatusCounts[(int)status];

    /// <summary>Renews the lease of a running attempt (any word from its slot counts).</summary>
    public SweepState Touch(int trialIndex, int attempt, DateTimeOffset now) =>
        Find(trialIndex) is { Status: TrialStatus.Running } t && t.Attempt == attempt ? Update(trialIndex, t => t with { LastSeen = now }) : this;

    /// <summary>After recovery every running attempt gets a full lease period to report in.</summary>
    public SweepState ResetLeaseClocks(DateTimeOffset now) =>
        TrialList.Where(t => t.Status == TrialStatus.Running)
            .Aggregate(this, (state, running) => state.Update(running.Index, t => t with { LastSeen = now }));

    public SweepState Apply(ISweepEvent e)
    {
        var next = e switch
        {
            SweepCreated c => AddTrials(c.Trials) with
            {
                Id = c.SweepId, Spec = c.Spec, SpecYaml = c.SpecYaml, Seed = c.Seed, CreatedAt = c.At,
            },
            TrialLeased l => Update(l.TrialIndex, t => t with
            {
                Status = TrialStatus.Running, Attempt = l.Attempt, Slot = l.Slot, StartedAt = t.StartedAt ?? l.At, LastSeen = l.At, Through = null,
            }),
            TrialMetricsRecorded m => Recorded(m),
            TrialFinished f => Finished(f),
            TrialSuggested s => AddTrials([s.Trial]),
            TrialEarlyStopped x => Update(x.TrialIndex, t => t with
            {
                Status = TrialStatus.Stopped, StopReason = x.Reason, FinishedAt = x.At, Metrics = t.LastValues,
            }),
            // A cancelled sweep does not run a requeued trial again.
            TrialRequeued r => Update(r.TrialIndex, t => IsCancelled
                ? t with { Slot = null, Status = TrialStatus.Cancelled, FinishedAt = r.At }
                : t with { Slot = null, Status = TrialStatus.Pending }),
            SweepCancelled c => Pending.Aggregate(this with { CancelReason = c.Reason },
                (state, index) => state.Update(index, t => t with { Status = TrialStatus.Cancelled, FinishedAt = c.At })),
            TrialArtifactStored a => Update(a.TrialIndex, t => Stored(t, a.Artifact)),
            SweepPaused => this with { IsPaused = true },
            SweepResumed => this with { IsPaused = false },
            SweepExtended x => AddTrials(x.NewTrials) with
            {
                Spec = x.Spec, SpecYaml = x.SpecYaml, CancelReason = null, IsPaused = false, FinishedAt = null,
            },
            _ => this,
        };
        return next with { FinishedAt = next.IsFinished ? next.FinishedAt ?? At(e) : null };
    }

    private SweepState Recorded(TrialMetricsRecorded m)
    {
        var t = TrialList[m.TrialIndex];
        // An attempt's first points overwrite the history from there on: steps an earlier attempt recorded beyond where
        // this one resumed are not this trial's any more (it may stop before reaching them).
        long? dropFrom = m.Attempt == t.Attempt && t.Through is null && m.Points.Count > 0 ? m.Points.Min(p => p.Step) : null;
        var series = MetricSeries(m.TrialIndex);
        if (dropFrom is { } from) series = series.RemoveRange(series.Keys.Where(k => k >= from).ToList());
        var builder = series.ToBuilder();
        foreach (var p in m.Points)
            if (p.Values.TryGetValue(Spec!.Metric.Name, out var v)) builder[p.Step] = v;
        return Update(m.TrialIndex, _ => t.WithPoints(m.Points, m.Attempt, dropFrom)) with
        {
            MetricHistory = MetricHistory.SetItem(m.TrialIndex, builder.ToImmutable()),
        };
    }

    private SweepState Finished(TrialFinished f)
    {
        var state = Update(f.TrialIndex, t =>
        {
            if (f.Outcome == TrialOutcome.Failed) t = t with { Failures = t.Failures + 1, Error = f.Error };
            if (f.WillRetry && !IsCancelled) return t with { Status = TrialStatus.Pending, Slot = null };
            return t with
            {
                Status = f.Outcome switch
                {
                    TrialOutcome.Completed => TrialStatus.Completed,
                    TrialOutcome.Cancelled => TrialStatus.Cancelled,
                    _ => TrialStatus.Failed,
                },
                Metrics = f.FinalMetrics,
                FinishedAt = f.At,
                SlotIdleMs = f.SlotIdleMs,
                Error = f.Outcome == TrialOutcome.Completed ? null : t.Error,
            };
        });
        return f.Outcome == TrialOutcome.Completed && !f.WillRetry ? state with { CompletionOrder = CompletionOrder.Add(f.TrialIndex) } : state;
    }

    private TrialState Stored(TrialState t, ArtifactInfo artifact)
    {
        var artifacts = t.Artifacts.RemoveAll(x => x.Sha256 == artifact.Sha256 && x.FileName == artifact.FileName).Add(artifact);
        if (artifact.Kind == ArtifactInfo.Checkpoint) artifacts = CheckpointRetention.Kept(artifacts, t.History, Spec!.Retention, Spec.Metric);
        return t with { Artifacts = artifacts };
    }

    private SweepState AddTrials(IEnumerable<TrialPlan> plans)
    {
        var added = plans.Select(plan => new TrialState(plan.Index, plan.Parameters)).ToList();
        return this with
        {
            TrialList = TrialList.AddRange(added),
            Pending = Pending.Union(added.Select(t => t.Index)),
            StatusCounts = StatusCounts.SetItem((int)TrialStatus.Pending, Count(TrialStatus.Pending) + added.Count),
        };
    }

    /// <summary>
    /// The one place a trial changes: its status counts and the pending queue follow from its status before and after.
    /// </summary>
    private SweepState Update(int index, Func<TrialState, TrialState> change)
    {
        var before = TrialList[index];
        var after = change(before);
        var state = this with { TrialList = TrialList.SetItem(index, after) };
        if (before.Status == after.Status) return state;
        var counts = StatusCounts.SetItem((int)before.Status, Count(before.Status) - 1);
        return state with
        {
            StatusCounts = counts.SetItem((int)after.Status, counts[(int)after.Status] + 1),
            Pending = before.Status == TrialStatus.Pending ? Pending.Remove(index) : after.Status == TrialStatus.Pending ? Pending.Add(index) : Pending,
        };
    }

    private static DateTimeOffset? At(ISweepEvent e) => e switch
    {
        SweepCreated c => c.At,
        TrialLeased l => l.At,
        TrialFinished f => f.At,
        TrialRequeued r => r.At,
        TrialArtifactStored a => a.At,
        TrialSuggested s => s.At,
        TrialEarlyStopped x => x.At,
        SweepCancelled c => c.At,
        SweepPaused p => p.At,
        SweepResumed r => r.At,
        SweepExtended x => x.At,
        _ => null,
    };

    private TrialState? Find(int index) => index >= 0 && index < TrialList.Count ? TrialList[index] : null;
}
