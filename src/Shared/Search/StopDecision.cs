namespace Atelier.Shared.Search;

/// <summary>
/// Stop this trial: <see cref="Rung"/> is the step that decided it (a hyperband rung, or the step at which the median
/// rule fired), <see cref="Reason"/> says why in words for the report.
/// </summary>
public sealed record StopDecision(long Rung, string Reason);
