namespace Atelier.Contracts.Api;

/// <summary>
/// One line of <c>GET /api/sweeps/{id}/logs</c>: an event of the sweep's journal, in order, as a sentence.
/// <see cref="Kind"/> is the event's kind (<c>created</c>, <c>leased</c>, <c>metrics</c>, <c>artifact</c>, <c>finished</c>,
/// <c>failed</c>, <c>retrying</c>, <c>stopped</c>, <c>requeued</c>, <c>suggested</c>, <c>paused</c>, <c>resumed</c>,
/// <c>extended</c>, <c>cancelled</c>); <see cref="Trial"/> and <see cref="Attempt"/> are null for sweep-wide events.
/// </summary>
public sealed record SweepLogLine(long Sequence, DateTimeOffset? At, int? Trial, int? Attempt, string Kind, string Message);

/// <summary>What <c>GET /api/sweeps/{id}/logs</c> answers.</summary>
public sealed record SweepLogDto(string SweepId, int? Trial, IReadOnlyList<SweepLogLine> Lines);
