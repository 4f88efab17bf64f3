using Atelier.Contracts.Specs;

namespace Atelier.Shared.Search;

/// <summary>
/// A finished trial as the Bayesian search sees it: its parameters and the raw value of the sweep's metric
/// (the spec's goal says whether lower or higher is better; NaN counts as the worst).
/// </summary>
public sealed record Observation(IReadOnlyDictionary<string, ParamValue> Parameters, double Value);
