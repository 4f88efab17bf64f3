using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Sweeps;

/// <summary>Turns a sweep's state into what the API shows.</summary>
public static class SweepView
{
    public static SweepDto ToDto(SweepState s, bool includeHistory)
    {
        var spec = s.Spec ?? throw new InvalidOperationException("sweep not created");
        var trials = s.Trials.Select(t => ToDto(t, includeHistory)).ToList();
        var best = Best(s);
        return new SweepDto(
            s.Id!.Value.Value, spec.Name, spec.Job, spec.Method.ToString().ToLowerInvariant(), spec.Metric,
            s.Status,
            Counts(s), best is null ? null : ToDto(best, false), s.CreatedAt, s.FinishedAt, s.SpecYaml, trials);
    }

    public static SweepSummaryDto ToSummary(SweepDto d) =>
        new(d.Id, d.Name, d.Job, d.Method, d.Status, d.Counts,
            d.Best is { } b && b.Metrics.TryGetValue(d.Metric.Name, out var v) ? v : null, d.CreatedAt);

    /// <summary>The completed trial with the best value of the sweep's metric, per its goal.</summary>
    public static TrialState? Best(SweepState s)
    {
        var metric = s.Spec!.Metric;
        var scored = s.Trials
            .Where(t => t.Status == TrialStatus.Completed && t.Metrics.ContainsKey(metric.Name) && double.IsFinite(t.Metrics[metric.Name]));
        return metric.Goal == MetricGoal.Maximize
            ? scored.MaxBy(t => t.Metrics[metric.Name])
            : scored.MinBy(t => t.Metrics[metric.Name]);
    }

    public static TrialCountsDto Counts(SweepState s) =>
        new(s.Trials.Count, s.Count(TrialStatus.Pending), s.Count(TrialStatus.Running), s.Count(TrialStatus.Completed),
            s.Count(TrialStatus.Failed), s.Count(TrialStatus.Cancelled), s.Count(TrialStatus.Stopped));

    private static TrialDto ToDto(TrialState t, bool includeHistory) =>
        new(t.Index, t.Status, t.Parameters, t.Attempt,
            t.Slot is { } slot ? $"{slot.Node}/{slot.SlotId}" : null,
            t.Metrics, t.Error, t.StartedAt, t.FinishedAt,
            includeHistory ? t.History.Select(kv => new MetricPoint(kv.Key, kv.Value)).ToList() : null,
            t.SlotIdleMs,
            t.LastStep >= 0 ? t.LastStep : null,
            t.Artifacts.Count == 0 ? null : t.Artifacts.ToList());
}
