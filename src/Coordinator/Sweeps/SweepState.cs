using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Protocol.SweepEvents;

namespace Atelier.Coordinator.Sweeps;

/// <summary>
/// The domain of one sweep, free of actors: <see cref="Process"/> turns a command into events and
/// replies without changing anything; <see cref="Apply"/> folds an event into the state.
/// </summary>
public sealed partial class SweepState(TimeSpan leaseTimeout)
{
    private readonly List<TrialState> _trials = [];
    private readonly SortedSet<int> _pending = [];
    private readonly int[] _counts = new int[Enum.GetValues<TrialStatus>().Length];

    // The sweep metric per trial and step, kept for early stopping; and the order trials completed in, for bayes.
    private readonly Dictionary<int, IReadOnlyDictionary<long, double>> _metricHistory = new();
    private readonly List<int> _completionOrder = [];

    private void DropHistoryFrom(int trial, TrialState t, long step)
    {
        foreach (var stale in t.History.Keys.Where(k => k >= step).ToList()) t.History.Remove(stale);
        var series = MetricSeries(trial);
        foreach (var stale in series.Keys.Where(k => k >= step).ToList()) series.Remove(stale);
    }

    private SortedDictionary<long, double> MetricSeries(int trial)
    {
        if (_metricHistory.TryGetValue(trial, out var series)) return (SortedDictionary<long, double>)series;
        var created = new SortedDictionary<long, double>();
        _metricHistory[trial] = created;
        return created;
    }

    public SweepId? Id { get; private set; }
    public SweepSpec? Spec { get; private set; }
    public string SpecYaml { get; private set; } = "";
    public long Seed { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>Why the sweep was cancelled, once it was.</summary>
    public string? CancelReason { get; private set; }

    public bool IsCancelled => CancelReason is not null;
    public bool IsPaused { get; private set; }
    public IReadOnlyList<TrialState> Trials => _trials;
    public TimeSpan LeaseTimeout { get; } = leaseTimeout;


    public bool IsCreated => Spec is not null;
    public int Running => Count(TrialStatus.Running);
    public int PendingCount => _pending.Count;

    public bool IsFinished => IsCreated && Count(TrialStatus.Pending) + Running == 0 && ToSuggest == 0;

    /// <summary>Trials a bayes sweep has yet to suggest (its run_cap minus those it has).</summary>
    public int ToSuggest => Spec is { Method: SearchMethod.Bayes, RunCap: { } cap } && !IsCancelled ? Math.Max(0, cap - _trials.Count) : 0;

    /// <summary>Whether a slot asking now would get a trial (pending work within max_concurrent).</summary>
    public bool CanLease => IsCreated && !IsCancelled && !IsPaused && _pending.Count + ToSuggest > 0
        && (Spec!.MaxConcurrent == 0 || Running < Spec.MaxConcurrent);

    public SweepStatus Status =>
        IsCancelled ? SweepStatus.Cancelled : IsFinished ? SweepStatus.Completed : IsPaused ? SweepStatus.Paused : SweepStatus.Running;

    /// <summary>How many trials are in <paramref name="status"/>, kept as events are applied.</summary>
    public int Count(TrialStatus status) => _counts[(int)status];

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
                foreach (var plan in c.Trials) AddTrial(plan);
                break;
            case TrialLeased l:
            {
                var t = _trials[l.TrialIndex];
                SetStatus(t, TrialStatus.Running);
                t.Attempt = l.Attempt;
                t.Slot = l.Slot;
                t.StartedAt ??= l.At;
                t.LastSeen = l.At;
                t.Through = null;
                break;
            }
            case TrialMetricsRecorded m:
            {
                var t = _trials[m.TrialIndex];
                // An attempt's first points overwrite the history from there on: steps an earlier attempt recorded
                // beyond where this one resumed are not this trial's any more (it may stop before reaching them).
                if (m.Attempt == t.Attempt && t.Through is null && m.Points.Count > 0)
                    DropHistoryFrom(m.TrialIndex, t, m.Points.Min(p => p.Step));
                foreach (var p in m.Points)
                {
                    t.History[p.Step] = p.Values;
                    if (p.Values.TryGetValue(Spec!.Metric.Name, out var v)) MetricSeries(m.TrialIndex)[p.Step] = v;
                    if (m.Attempt == t.Attempt) t.Through = Math.Max(t.Through ?? long.MinValue, p.Step);
                }
                break;
            }
            case TrialFinished f:
                ApplyFinished(f);
                if (f.Outcome == TrialOutcome.Completed && !f.WillRetry) _completionOrder.Add(f.TrialIndex);
                break;
            case TrialSuggested s:
                AddTrial(s.Trial);
                break;
            case TrialEarlyStopped x:
            {
                var t = _trials[x.TrialIndex];
                SetStatus(t, TrialStatus.Stopped);
                t.StopReason = x.Reason;
                t.FinishedAt = x.At;
                t.Metrics = t.History.Count > 0 ? t.History.Last().Value : new Dictionary<string, double>();
                break;
            }
            case TrialRequeued r:
            {
                var t = _trials[r.TrialIndex];
                t.Slot = null;
                if (IsCancelled)
                {
                    // A cancelled sweep does not run the trial again.
                    SetStatus(t, TrialStatus.Cancelled);
                    t.FinishedAt = r.At;
                }
                else SetStatus(t, TrialStatus.Pending);
                break;
            }
            case SweepCancelled c:
                CancelReason = c.Reason;
                foreach (var index in _pending.ToList())
                {
                    SetStatus(_trials[index], TrialStatus.Cancelled);
                    _trials[index].FinishedAt = c.At;
                }
                break;
            case TrialArtifactStored a:
            {
                var t = _trials[a.TrialIndex];
                t.Artifacts.RemoveAll(x => x.Sha256 == a.Artifact.Sha256 && x.FileName == a.Artifact.FileName);
                t.Artifacts.Add(a.Artifact);
                if (a.Artifact.Kind == ArtifactInfo.Checkpoint)
                    CheckpointRetention.Apply(t, Spec!.Retention, Spec.Metric);
                break;
            }
            case SweepPaused:
                IsPaused = true;
                break;
            case SweepResumed:
                IsPaused = false;
                break;
            case SweepExtended x:
                Spec = x.Spec;
                SpecYaml = x.SpecYaml;
                CancelReason = null;
                IsPaused = false;
                FinishedAt = null;
                foreach (var plan in x.NewTrials) AddTrial(plan);
                break;
        }
        FinishedAt = IsFinished ? FinishedAt ?? At(e) : null;
    }

    private void ApplyFinished(TrialFinished f)
    {
        var t = _trials[f.TrialIndex];
        if (f.Outcome == TrialOutcome.Failed)
        {
            t.Failures++;
            t.Error = f.Error;
        }
        if (f.WillRetry && !IsCancelled)
        {
            SetStatus(t, TrialStatus.Pending);
            t.Slot = null;
            return;
        }
        SetStatus(t, f.Outcome switch
        {
            TrialOutcome.Completed => TrialStatus.Completed,
            TrialOutcome.Cancelled => TrialStatus.Cancelled,
            _ => TrialStatus.Failed,
        });
        t.Metrics = f.FinalMetrics;
        t.FinishedAt = f.At;
        t.SlotIdleMs = f.SlotIdleMs;
        if (f.Outcome == TrialOutcome.Completed) t.Error = null;
    }

    private void AddTrial(TrialPlan plan)
    {
        var t = new TrialState(plan.Index, plan.Parameters);
        _trials.Add(t);
        _counts[(int)TrialStatus.Pending]++;
        _pending.Add(t.Index);
    }

    /// <summary>The one place a trial changes status, so the counts and the pending queue stay right.</summary>
    private void SetStatus(TrialState t, TrialStatus status)
    {
        _counts[(int)t.Status]--;
        _counts[(int)status]++;
        if (t.Status == TrialStatus.Pending) _pending.Remove(t.Index);
        if (status == TrialStatus.Pending) _pending.Add(t.Index);
        t.Status = status;
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

    private TrialState? Find(int index) => index >= 0 && index < _trials.Count ? _trials[index] : null;
}
