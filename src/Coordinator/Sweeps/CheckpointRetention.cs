using System.Collections.Immutable;
using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Sweeps;

/// <summary>
/// Which checkpoints a trial keeps (<see cref="CheckpointSpec"/>): the newest <c>keep_last</c>, plus the
/// <c>keep_best</c> scoring best on the sweep's metric at their step (the value reported at that step, else the
/// latest one before it; a checkpoint with no value scores worst). Applied as each checkpoint is stored, from the
/// trial's state alone, so a recovering sweep replays to the same set.
/// </summary>
public static class CheckpointRetention
{
    /// <summary><paramref name="artifacts"/> without the checkpoints that retention lets go.</summary>
    public static ImmutableList<ArtifactInfo> Kept(ImmutableList<ArtifactInfo> artifacts,
        ImmutableSortedDictionary<long, IReadOnlyDictionary<string, double>> history, CheckpointSpec retention, MetricSpec metric)
    {
        var checkpoints = artifacts.Where(x => x.Kind == ArtifactInfo.Checkpoint).ToList();
        if (checkpoints.Count <= retention.KeepLast) return artifacts;
        var keep = checkpoints.OrderByDescending(x => x.Step).Take(retention.KeepLast).ToHashSet();
        if (retention.KeepBest > 0)
        {
            var sign = metric.Goal == MetricGoal.Maximize ? -1.0 : 1.0;
            foreach (var best in checkpoints
                         .Select(x => (Checkpoint: x, Score: Score(history, metric.Name, x.Step) is { } v ? sign * v : double.PositiveInfinity))
                         .OrderBy(x => x.Score).ThenByDescending(x => x.Checkpoint.Step)
                         .Take(retention.KeepBest))
                keep.Add(best.Checkpoint);
        }
        return artifacts.RemoveAll(x => x.Kind == ArtifactInfo.Checkpoint && !keep.Contains(x));
    }

    private static double? Score(ImmutableSortedDictionary<long, IReadOnlyDictionary<string, double>> history, string metric, long step)
    {
        // In step order from the last: the latest value at or before the step wins.
        foreach (var (at, values) in history.Reverse())
        {
            if (at > step) continue;
            if (values.TryGetValue(metric, out var v) && double.IsFinite(v)) return v;
        }
        return null;
    }
}
