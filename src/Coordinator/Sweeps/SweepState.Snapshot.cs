using System.Collections.Immutable;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;

namespace Atelier.Coordinator.Sweeps;

/// <summary>Saving the whole state as one <see cref="SweepSnapshot"/> and starting from one.</summary>
public sealed partial record SweepState
{
    public SweepSnapshot ToSnapshot() => new(
        Id!.Value, Spec!, SpecYaml, Seed, CreatedAt, FinishedAt, CancelReason, IsPaused,
        TrialList.Select(t => new TrialSnapshot(t.Index, t.Parameters, t.Status, t.Attempt, t.Failures, t.Slot, t.Metrics, t.Error,
            t.StartedAt, t.FinishedAt, t.SlotIdleMs, t.History.Select(kv => new MetricPoint(kv.Key, kv.Value)).ToList(), t.Artifacts.ToList(), t.StopReason, t.Through)).ToList(),
        CompletionOrder.ToList());

    /// <summary>The state a snapshot saved, with every lease clock at its default (see <see cref="ResetLeaseClocks"/>).</summary>
    public static SweepState FromSnapshot(SweepSnapshot s, TimeSpan leaseTimeout)
    {
        var trials = s.Trials.Select(TrialState.FromSnapshot).ToImmutableList();
        var counts = new int[Enum.GetValues<TrialStatus>().Length];
        foreach (var t in trials) counts[(int)t.Status]++;
        return new SweepState(leaseTimeout)
        {
            Id = s.SweepId,
            Spec = s.Spec,
            SpecYaml = s.SpecYaml,
            Seed = s.Seed,
            CreatedAt = s.CreatedAt,
            FinishedAt = s.FinishedAt,
            CancelReason = s.CancelReason,
            IsPaused = s.Paused,
            TrialList = trials,
            StatusCounts = [.. counts],
            Pending = trials.Where(t => t.Status == TrialStatus.Pending).Select(t => t.Index).ToImmutableSortedSet(),
            CompletionOrder = [.. s.CompletionOrder ?? []],
            MetricHistory = trials.ToImmutableDictionary(t => t.Index, t => (IReadOnlyDictionary<long, double>)t.History
                .Where(kv => kv.Value.ContainsKey(s.Spec.Metric.Name))
                .ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value[s.Spec.Metric.Name])),
        };
    }
}
