using System.Text.Json.Serialization;

namespace Atelier.Contracts.Specs;

/// <summary>How one job parameter varies across a sweep's trials.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(ConstantParameter), "constant")]
[JsonDerivedType(typeof(ValuesParameter), "values")]
[JsonDerivedType(typeof(DistributionParameter), "distribution")]
public abstract record ParameterSpec([property: JsonPropertyOrder(-1)] string Name);

/// <summary>The same value in every trial (<c>value:</c>).</summary>
public sealed record ConstantParameter(string Name, ParamValue Value) : ParameterSpec(Name);

/// <summary>One of a list of values (<c>values:</c>): all of them in a grid, a uniform choice in random search.</summary>
public sealed record ValuesParameter(string Name, IReadOnlyList<ParamValue> Values) : ParameterSpec(Name);

/// <summary>A value drawn from a distribution between <see cref="Min"/> and <see cref="Max"/> (<c>distribution:</c>).</summary>
public sealed record DistributionParameter(string Name, Distribution Distribution, double Min, double Max)
    : ParameterSpec(Name);
