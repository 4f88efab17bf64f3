using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Protocol;

/// <summary>Events a sweep entity persists; <c>SweepState.Apply</c> folds them into state.</summary>
public static class SweepEvents
{
    public sealed record SweepCreated(
        SweepId SweepId,
        SweepSpec Spec,
        string SpecYaml,
        long Seed,
        IReadOnlyList<TrialPlan> Trials,
        DateTimeOffset At) : ISweepEvent;

    /// <summary>An attempt was leased to <paramref name="Slot"/>, which reserves <paramref name="Devices"/> devices of its node for it.</summary>
    public sealed record TrialLeased(int TrialIndex, int Attempt, SlotInfo Slot, DateTimeOffset At, int Devices = 1) : ISweepEvent;

    public sealed record TrialMetricsRecorded(int TrialIndex, int Attempt, IReadOnlyList<MetricPoint> Points) : ISweepEvent;

    /// <summary>An attempt ended; <paramref name="WillRetry"/> puts a failed trial back in the queue.</summary>
    public sealed record TrialFinished(
        int TrialIndex,
        int Attempt,
        TrialOutcome Outcome,
        IReadOnlyDictionary<string, double> FinalMetrics,
        string? Error,
        bool WillRetry,
        DateTimeOffset At,
        double? SlotIdleMs = null) : ISweepEvent;

    /// <summary>The sweep was cancelled: nothing more is leased; running attempts are told to stop.</summary>
    public sealed record SweepCancelled(string Reason, DateTimeOffset At) : ISweepEvent;

    public sealed record SweepPaused(DateTimeOffset At) : ISweepEvent;

    public sealed record SweepResumed(DateTimeOffset At) : ISweepEvent;

    /// <summary>The sweep now follows <paramref name="Spec"/> and has <paramref name="NewTrials"/> more trials.</summary>
    public sealed record SweepExtended(SweepSpec Spec, string SpecYaml, IReadOnlyList<TrialPlan> NewTrials, DateTimeOffset At) : ISweepEvent;

    /// <summary>An artifact of the trial arrived intact in the store; the sweep keeps its reference.</summary>
    public sealed record TrialArtifactStored(int TrialIndex, int Attempt, ArtifactInfo Artifact, DateTimeOffset At) : ISweepEvent;

    /// <summary>A bayes sweep suggested the parameters of its next trial (never recomputed on replay).</summary>
    public sealed record TrialSuggested(TrialPlan Trial, DateTimeOffset At) : ISweepEvent;

    /// <summary>early_terminate stopped the trial at <paramref name="Rung"/>; its slot is told to stop it.</summary>
    public sealed record TrialEarlyStopped(int TrialIndex, int Attempt, long Rung, string Reason, DateTimeOffset At) : ISweepEvent;

    /// <summary>A running attempt was lost (lease expired, slot rejected it); the trial is pending again.</summary>
    public sealed record TrialRequeued(int TrialIndex, int Attempt, string Reason, DateTimeOffset At) : ISweepEvent;
}
