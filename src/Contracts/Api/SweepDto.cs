using Atelier.Contracts.Specs;

namespace Atelier.Contracts.Api;

/// <summary>A sweep as the HTTP API shows it (<c>GET /api/sweeps/{id}</c>).</summary>
public sealed record SweepDto(
    string Id,
    string Name,
    string Job,
    string Method,
    MetricSpec Metric,
    SweepStatus Status,
    TrialCountsDto Counts,
    TrialDto? Best,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string SpecYaml,
    IReadOnlyList<TrialDto> Trials);

/// <summary>One line of <c>GET /api/sweeps</c>.</summary>
public sealed record SweepSummaryDto(
    string Id,
    string Name,
    string Job,
    string Method,
    SweepStatus Status,
    TrialCountsDto Counts,
    double? BestValue,
    DateTimeOffset CreatedAt);

/// <summary>How many trials are in each state.</summary>
public sealed record TrialCountsDto(int Total, int Pending, int Running, int Completed, int Failed, int Cancelled = 0, int Stopped = 0);

/// <summary>
/// One trial: its parameters, state, final metrics, (on request) its metric history, and how long its
/// slot sat idle before starting it.
/// </summary>
public sealed record TrialDto(
    int Index,
    TrialStatus Status,
    IReadOnlyDictionary<string, ParamValue> Parameters,
    int Attempts,
    string? Slot,
    IReadOnlyDictionary<string, double> Metrics,
    string? Error,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyList<MetricPoint>? History,
    double? SlotIdleMs = null,
    long? LastStep = null,
    IReadOnlyList<ArtifactInfo>? Artifacts = null);

/// <summary>What <c>POST /api/sweeps</c> answers on success.</summary>
public sealed record SubmitSweepResponse(string Id, string Name, int Trials);

/// <summary>Every API error: a message that says what was wrong and what to do, and per-field details.</summary>
public sealed record ApiError(string Error, IReadOnlyList<ApiErrorDetail>? Details = null);

/// <summary>One problem with one field of a request.</summary>
public sealed record ApiErrorDetail(string Field, string Message, int? Line);
