using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Search;

/// <summary>
/// Where TPE models a distribution parameter: [min, max] for uniform, [ln min, ln max] for log_uniform_values,
/// [min − ½, max + ½] for int_uniform (a candidate is rounded to the nearest integer, and densities are taken there).
/// </summary>
internal sealed record NumericSpace(DistributionParameter Parameter, double Low, double High)
{
    public static NumericSpace Of(DistributionParameter d) => d.Distribution switch
    {
        Distribution.LogUniformValues => new(d, StableMath.Log(d.Min), StableMath.Log(d.Max)),
        Distribution.IntUniform => new(d, d.Min - 0.5, d.Max + 0.5),
        _ => new(d, d.Min, d.Max),
    };

    /// <summary>The model-space point of an observed value; null when it is not a number within [min, max].</summary>
    public double? ToModel(ParamValue value)
    {
        if (value.Kind is not (ParamType.Int or ParamType.Float))
            return null;
        var x = value.AsDouble();
        if (!(x >= Parameter.Min && x <= Parameter.Max))
            return null;
        return Parameter.Distribution == Distribution.LogUniformValues ? StableMath.Log(x) : x;
    }

    /// <summary>Rounds an int_uniform candidate to an integer in [min, max]; other candidates are kept.</summary>
    public double Snap(double x) => Parameter.Distribution == Distribution.IntUniform
        ? Math.Clamp(Math.Round(x), Parameter.Min, Parameter.Max)
        : x;

    /// <summary>The parameter value of a model-space point, clamped to [min, max] against rounding.</summary>
    public ParamValue FromModel(double x) => Parameter.Distribution switch
    {
        Distribution.IntUniform => ParamValue.Of((long)x),
        Distribution.LogUniformValues => ParamValue.Of(Math.Clamp(StableMath.Exp(x), Parameter.Min, Parameter.Max)),
        _ => ParamValue.Of(Math.Clamp(x, Parameter.Min, Parameter.Max)),
    };
}
