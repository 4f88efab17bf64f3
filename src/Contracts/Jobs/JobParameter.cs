using System.Globalization;
using Atelier.Contracts.Specs;

namespace Atelier.Contracts.Jobs;

/// <summary>
/// One hyperparameter a job accepts: its type, default, and the values it allows
/// (numeric bounds, inclusive unless marked exclusive, or a list of allowed strings).
/// An <paramref name="Input"/> parameter names a file the job reads (e.g. an image): in a sweep its value is a
/// built-in name or <c>sha256:HEX</c>, an input uploaded to the coordinators' store (see <see cref="Specs.SpecInputs"/>).
/// <paramref name="Presets"/> makes a value of this parameter (a recipe) set other parameters' defaults: value →
/// (parameter → value); a parameter given explicitly keeps its given value (<see cref="JobDefinition.Resolve"/>).
/// </summary>
public sealed record JobParameter(
    string Name,
    ParamType Type,
    ParamValue? Default,
    string Description,
    double? Min = null,
    bool MinExclusive = false,
    double? Max = null,
    bool MaxExclusive = false,
    IReadOnlyList<string>? Allowed = null,
    bool Input = false,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, ParamValue>>? Presets = null)
{
    /// <summary>
    /// Null when <paramref name="value"/> is acceptable, else what is allowed,
    /// e.g. <c>must be &gt; 0</c>, <c>must be one of grid, random</c>, <c>must be an integer</c>.
    /// </summary>
    public string? Check(ParamValue value)
    {
        switch (Type)
        {
            case ParamType.Int when value.Kind != ParamType.Int:
                return "must be an integer";
            case ParamType.Float when value.Kind is not (ParamType.Float or ParamType.Int):
                return "must be a number";
            case ParamType.String when value.Kind != ParamType.String:
                return "must be a string";
            case ParamType.Bool when value.Kind != ParamType.Bool:
                return "must be true or false";
        }

        if (Type == ParamType.String)
        {
            return Allowed is { Count: > 0 } && !Allowed.Contains(value.AsString())
                ? $"must be one of {string.Join(", ", Allowed)}"
                : null;
        }

        if (Type is ParamType.Int or ParamType.Float)
        {
            var x = value.AsDouble();
            var belowMin = Min is { } min && (MinExclusive ? x <= min : x < min);
            var aboveMax = Max is { } max && (MaxExclusive ? x >= max : x > max);
            if (belowMin || aboveMax)
                return "must be " + RangeText();
        }
        return null;
    }

    /// <summary>The allowed range in words, e.g. <c>&gt;= 0 and &lt;= 1</c>; empty when unbounded.</summary>
    public string RangeText()
    {
        var lower = Min is { } min ? (MinExclusive ? "> " : ">= ") + Format(min) : null;
        var upper = Max is { } max ? (MaxExclusive ? "< " : "<= ") + Format(max) : null;
        return (lower, upper) switch
        {
            (null, null) => "",
            (_, null) => lower,
            (null, _) => upper,
            _ => $"{lower} and {upper}",
        };
    }

    private static string Format(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
