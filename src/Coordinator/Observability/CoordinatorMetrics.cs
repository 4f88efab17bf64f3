using System.Collections.Concurrent;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Prometheus;

namespace Atelier.Coordinator.Observability;

/// <summary>
/// Prometheus metrics of a coordinator (<c>GET /metrics</c>): trials by state over the sweeps this
/// node hosts, slots by state as the broker sees them, and counters of metric points and trial ends.
/// Use <c>rate(atelier_metric_points_total[1m])</c> for metric events per second.
/// </summary>
public static class CoordinatorMetrics
{
    private static readonly ConcurrentDictionary<SweepId, TrialCountsDto> TrialCounts = new();
    private static readonly Gauge Trials = Metrics.CreateGauge("atelier_trials", "Trials of the sweeps hosted by this coordinator, by state.", "state");
    private static readonly Gauge Slots = Metrics.CreateGauge("atelier_slots", "Worker slots reporting to the broker on this node, by state.", "state");
    private static readonly Counter Points = Metrics.CreateCounter("atelier_metric_points_total", "Metric points (steps) recorded by sweeps.");
    private static readonly Counter Ended = Metrics.CreateCounter("atelier_trial_attempts_ended_total", "Trial attempts that ended, by outcome.", "outcome");

    static CoordinatorMetrics() => Metrics.DefaultRegistry.AddBeforeCollectCallback(Refresh);

    /// <summary>A sweep's current counts (after recovery and after each change).</summary>
    public static void SweepCounts(SweepId sweep, TrialCountsDto counts) => TrialCounts[sweep] = counts;

    public static void MetricPoints(int count) => Points.Inc(count);

    public static void AttemptEnded(TrialOutcome outcome) => Ended.WithLabels(outcome.ToString().ToLowerInvariant()).Inc();

    public static void SlotStates(IReadOnlyList<WorkerDto> workers)
    {
        var states = workers.SelectMany(w => w.Slots).GroupBy(s => s.State).ToDictionary(g => g.Key, g => g.Count());
        foreach (var state in new[] { "idle", "busy", "drained", "busy (draining)" })
            Slots.WithLabels(state).Set(states.GetValueOrDefault(state));
    }

    private static void Refresh()
    {
        var all = TrialCounts.Values.ToList();
        Trials.WithLabels("pending").Set(all.Sum(c => c.Pending));
        Trials.WithLabels("running").Set(all.Sum(c => c.Running));
        Trials.WithLabels("completed").Set(all.Sum(c => c.Completed));
        Trials.WithLabels("failed").Set(all.Sum(c => c.Failed));
        Trials.WithLabels("cancelled").Set(all.Sum(c => c.Cancelled));
    }
}
