using System.Collections.Immutable;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Sweeps;

/// <summary>
/// One trial of a sweep as recovered from its events, plus its lease clock. Immutable: <see cref="SweepState.Apply"/>
/// makes the next one, so what a decision read cannot change under it.
/// </summary>
public sealed record TrialState(int Index, IReadOnlyDictionary<string, ParamValue> Parameters)
{
    private static readonly IReadOnlyDictionary<string, double> NoMetrics = ImmutableDictionary<string, double>.Empty;

    public TrialStatus Status { get; init; } = TrialStatus.Pending;

    /// <summary>Number of the latest attempt (0 before the first lease).</summary>
    public int Attempt { get; init; }

    /// <summary>Attempts that failed on their own (lost leases do not count).</summary>
    public int Failures { get; init; }

    /// <summary>The slot running the trial, or the one that finished it.</summary>
    public SlotInfo? Slot { get; init; }
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = NoMetrics;
    public string? Error { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why early_terminate stopped the trial, and at which rung.</summary>
    public string? StopReason { get; init; }

    /// <summary>How long the slot that finished this trial sat idle before starting it.</summary>
    public double? SlotIdleMs { get; init; }

    /// <summary>Latest values per step; a resumed attempt overwrites the steps it repeats. Changed by <see cref="WithPoints"/> only.</summary>
    public ImmutableSortedDictionary<long, IReadOnlyDictionary<string, double>> History { get; private init; } =
        ImmutableSortedDictionary<long, IReadOnlyDictionary<string, double>>.Empty;

    /// <summary>The last step of <see cref="History"/>, -1 when it is empty (kept with it: the sorted map has no cheap maximum).</summary>
    public long LastStep { get; private init; } = -1;

    /// <summary>
    /// The last step the current attempt's metrics are recorded through, contiguously from where it started; null until
    /// its first metrics. A batch that does not continue from here (or, before the first, from <see cref="LastStep"/>)
    /// would leave a hole, and a checkpoint of a later step is not yet a resume point.
    /// </summary>
    public long? Through { get; init; }

    /// <summary>When the running attempt was last heard of. Not persisted: reset on recovery.</summary>
    public DateTimeOffset LastSeen { get; init; }

    public bool IsTerminal => Status is TrialStatus.Completed or TrialStatus.Failed or TrialStatus.Cancelled or TrialStatus.Stopped;

    /// <summary>Artifacts in the store: checkpoints (the newest few), pictures, results.</summary>
    public ImmutableList<ArtifactInfo> Artifacts { get; init; } = [];

    /// <summary>The values of the last recorded step, or none.</summary>
    public IReadOnlyDictionary<string, double> LastValues => LastStep >= 0 ? History[LastStep] : NoMetrics;

    /// <summary>
    /// The trial with <paramref name="points"/> of <paramref name="attempt"/> recorded. When <paramref name="dropFrom"/>
    /// is given, the steps from there on are removed first: an earlier attempt's steps beyond where this one resumed.
    /// </summary>
    public TrialState WithPoints(IReadOnlyList<MetricPoint> points, int attempt, long? dropFrom)
    {
        var history = History;
        var lastStep = LastStep;
        if (dropFrom is { } from && lastStep >= from)
        {
            history = history.RemoveRange(history.Keys.Where(k => k >= from).ToList());
            lastStep = history.IsEmpty ? -1 : history.Keys.Max();
        }
        var through = Through;
        var builder = history.ToBuilder();
        foreach (var p in points)
        {
            builder[p.Step] = p.Values;
            lastStep = Math.Max(lastStep, p.Step);
            if (attempt == Attempt) through = Math.Max(through ?? long.MinValue, p.Step);
        }
        return this with { History = builder.ToImmutable(), LastStep = lastStep, Through = through };
    }

    /// <summary>The trial as a snapshot saved it.</summary>
    public static TrialState FromSnapshot(TrialSnapshot s)
    {
        var history = ImmutableSortedDictionary.CreateBuilder<long, IReadOnlyDictionary<string, double>>();
        foreach (var p in s.History) history[p.Step] = p.Values;
        return new TrialState(s.Index, s.Parameters)
        {
            Status = s.Status,
            Attempt = s.Attempt,
            Failures = s.Failures,
            Slot = s.Slot,
            Metrics = s.Metrics,
            Error = s.Error,
            StartedAt = s.StartedAt,
            FinishedAt = s.FinishedAt,
            SlotIdleMs = s.SlotIdleMs,
            StopReason = s.StopReason,
            Through = s.Through,
            History = history.ToImmutable(),
            LastStep = history.Count == 0 ? -1 : history.Keys.Max(),
            Artifacts = s.Artifacts is { } artifacts ? [.. artifacts] : [],
        };
    }
}
