using System.Text.Json.Serialization;

namespace Atelier.Contracts.Specs;

/// <summary>How a sweep chooses its trials.</summary>
[JsonConverter(typeof(SnakeCaseLowerEnumConverter<SearchMethod>))]
public enum SearchMethod
{
    /// <summary>Every combination of the parameter values, in spec order.</summary>
    Grid,
    /// <summary><c>run_cap</c> independent random draws.</summary>
    Random,
    /// <summary>
    /// <c>run_cap</c> trials suggested one by one by a model of the results so far (TPE, see
    /// <c>Atelier.Shared.Search.BayesSearch</c>); the first few are the random draws.
    /// </summary>
    Bayes,
}

/// <summary>Whether a sweep looks for the smallest or the largest metric value.</summary>
[JsonConverter(typeof(SnakeCaseLowerEnumConverter<MetricGoal>))]
public enum MetricGoal
{
    /// <summary>Smaller is better.</summary>
    Minimize,
    /// <summary>Larger is better.</summary>
    Maximize,
}

/// <summary>How a parameter with <c>distribution</c> is sampled between its min and max.</summary>
[JsonConverter(typeof(SnakeCaseLowerEnumConverter<Distribution>))]
public enum Distribution
{
    /// <summary>A float uniform in [min, max].</summary>
    Uniform,
    /// <summary>A float whose logarithm is uniform; min and max are the values themselves (min &gt; 0).</summary>
    LogUniformValues,
    /// <summary>An integer uniform in [min, max], both inclusive; a grid enumerates every one.</summary>
    IntUniform,
}
