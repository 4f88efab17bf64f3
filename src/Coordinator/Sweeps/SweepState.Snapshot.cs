using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;

namespace Atelier.Coordinator.Sweeps;

/// <summary>Saving the whole state as one <see cref="SweepSnapshot"/> and starting from one.</summary>
public sealed partial class SweepState
{
    public SweepSnapshot ToSnapshot() => new(
        Id!.Value, Spec!, SpecYaml, Seed, CreatedAt, FinishedAt, CancelReason, IsPaused,
        _trials.Select(t => new TrialSnapshot(t.Index, t.Parameters, t.Status, t.Attempt, t.Failures, t.Slot, t.Metrics, t.Error,
            t.StartedAt, t.FinishedAt, t.SlotIdleMs, t.History.Select(kv => new MetricPoint(kv.Key, kv.Value)).ToList(), t.Artifacts.ToList(), t.StopReason, t.Through)).ToList(),
        _completionOrder.ToList());

    public void Restore(SweepSnapshot s)
    {
        _trials.Clear();
        _pending.Clear();
        Array.Clear(_counts);
        _metricHistory.Clear();
        _completionOrder.Clear();
        _completionOrder.AddRange(s.CompletionOrder ?? []);
        Id = s.SweepId;
        Spec = s.Spec;
        SpecYaml = s.SpecYaml;
        Seed = s.Seed;
        CreatedAt = s.CreatedAt;
        FinishedAt = s.FinishedAt;
        CancelReason = s.CancelReason;
        IsPaused = s.Paused;
        foreach (var ts in s.Trials)
        {
            var t = new TrialState(ts.Index, ts.Parameters)
            {
                Status = ts.Status,
                Attempt = ts.Attempt,
                Failures = ts.Failures,
                Slot = ts.Slot,
                Metrics = ts.Metrics,
                Error = ts.Error,
                StartedAt = ts.StartedAt,
                FinishedAt = ts.FinishedAt,
                SlotIdleMs = ts.SlotIdleMs,
                StopReason = ts.StopReason,
                Through = ts.Through,
            };
            foreach (var p in ts.History)
            {
                t.History[p.Step] = p.Values;
                if (p.Values.TryGetValue(s.Spec.Metric.Name, out var v)) MetricSeries(t.Index)[p.Step] = v;
            }
            t.Artifacts.AddRange(ts.Artifacts ?? []);
            _trials.Add(t);
            _counts[(int)t.Status]++;
            if (t.Status == TrialStatus.Pending) _pending.Add(t.Index);
        }
    }
}
