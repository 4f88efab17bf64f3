namespace Atelier.Contracts.Api;

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
