using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Protocol;

/// <summary>
/// Everything a sweep entity knows, saved every few hundred events so that recovery replays only
/// the events after it.
/// </summary>
public sealed record SweepSnapshot(
    SweepId SweepId,
    SweepSpec Spec,
    string SpecYaml,
    long Seed,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string? CancelReason,
    bool Paused,
    IReadOnlyList<TrialSnapshot> Trials,
    IReadOnlyList<int>? CompletionOrder = null) : IAtelierMessage;

/// <summary>One trial inside a <see cref="SweepSnapshot"/>.</summary>
public sealed record TrialSnapshot(
    int Index,
    IReadOnlyDictionary<string, ParamValue> Parameters,
    TrialStatus Status,
    int Attempt,
    int Failures,
    SlotInfo? Slot,
    IReadOnlyDictionary<string, double> Metrics,
    string? Error,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? SlotIdleMs,
    IReadOnlyList<MetricPoint> History,
    IReadOnlyList<ArtifactInfo>? Artifacts = null,
    string? StopReason = null,
    long? Through = null);
