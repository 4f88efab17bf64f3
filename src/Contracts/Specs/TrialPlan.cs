namespace Atelier.Contracts.Specs;

/// <summary>
/// One trial of a sweep: its 0-based index and a value for every parameter named in the spec, in spec order
/// (parameters the spec does not name take the job's defaults).
/// </summary>
public sealed record TrialPlan(int Index, IReadOnlyDictionary<string, ParamValue> Parameters);
