namespace Atelier.Shared.Protocol;

/// <summary>Named metric values a job reported at one step (epoch, iteration).</summary>
public sealed record MetricPoint(long Step, IReadOnlyDictionary<string, double> Values);

/// <summary>Which worker slot runs a trial: its id, the node's address and the device it drives.</summary>
public sealed record SlotInfo(string SlotId, string Node, string Device);

/// <summary>How a trial attempt ended.</summary>
public enum TrialOutcome
{
    Completed,
    Failed,
    Cancelled,
}

/// <summary>Where a trial is in its life.</summary>
public enum TrialStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Cancelled,

    /// <summary>Stopped early by the sweep's early_terminate rule (its metrics are those it reached).</summary>
    Stopped,
}

/// <summary>Where a sweep is in its life.</summary>
public enum SweepStatus
{
    Running,
    Paused,
    Completed,
    Cancelled,
}
