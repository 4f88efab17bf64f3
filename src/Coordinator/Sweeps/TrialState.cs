using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Sweeps;

/// <summary>One trial of a sweep as recovered from its events, plus its lease clock.</summary>
public sealed class TrialState(int index, IReadOnlyDictionary<string, ParamValue> parameters)
{
    public int Index { get; } = index;
    public IReadOnlyDictionary<string, ParamValue> Parameters { get; } = parameters;
    public TrialStatus Status { get; internal set; } = TrialStatus.Pending;

    /// <summary>Number of the latest attempt (0 before the first lease).</summary>
    public int Attempt { get; internal set; }

    /// <summary>Attempts that failed on their own (lost leases do not count).</summary>
    public int Failures { get; internal set; }

    /// <summary>The slot running the trial, or the one that finished it.</summary>
    public SlotInfo? Slot { get; internal set; }
    public IReadOnlyDictionary<string, double> Metrics { get; internal set; } = new Dictionary<string, double>();
    public string? Error { get; internal set; }
    public DateTimeOffset? StartedAt { get; internal set; }
    public DateTimeOffset? FinishedAt { get; internal set; }

    /// <summary>Why early_terminate stopped the trial, and at which rung.</summary>
    public string? StopReason { get; internal set; }

    /// <summary>How long the slot that finished this trial sat idle before starting it.</summary>
    public double? SlotIdleMs { get; internal set; }

    /// <summary>Latest values per step; a resumed attempt overwrites the steps it repeats.</summary>
    public SortedDictionary<long, IReadOnlyDictionary<string, double>> History { get; } = new();

    /// <summary>
    /// The last step the current attempt's metrics are recorded through, contiguously from where it started; null until
    /// its first metrics. A batch that does not continue from here (or, before the first, from <see cref="LastStep"/>)
    /// would leave a hole, and a checkpoint of a later step is not yet a resume point.
    /// </summary>
    public long? Through { get; internal set; }

    /// <summary>When the running attempt was last heard of. Not persisted: reset on recovery.</summary>
    public DateTimeOffset LastSeen { get; internal set; }

    public bool IsTerminal => Status is TrialStatus.Completed or TrialStatus.Failed or TrialStatus.Cancelled or TrialStatus.Stopped;

    /// <summary>Artifacts in the store: checkpoints (the newest few), pictures, results.</summary>
    public List<ArtifactInfo> Artifacts { get; } = [];

    public long LastStep => History.Count == 0 ? -1 : History.Keys.Max();
}
