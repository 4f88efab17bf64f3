using Atelier.Contracts.Api;
using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>Describes each parameter of a sweep's trials: where its values come from, whether it varies, its axis.</summary>
public static class ParameterAxes
{
    /// <summary>A numeric parameter gets a log axis when its values (or its distribution's range) are positive and span more than this many decades.</summary>
    public const double LogDecades = 1;

    public static IReadOnlyList<ReportParameter> Describe(SweepSpec? spec, IReadOnlyList<TrialDto> trials)
    {
        var names = (spec?.Parameters.Select(p => p.Name) ?? [])
            .Concat(trials.SelectMany(t => t.Parameters.Keys))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return names.Select(name => Describe(name, spec?.Parameters.FirstOrDefault(p => p.Name == name),
            trials.Where(t => t.Parameters.ContainsKey(name)).Select(t => t.Parameters[name]).ToList())).ToList();
    }

    public static ReportParameter Describe(string name, ParameterSpec? spec, IReadOnlyList<ParamValue> values)
    {
        var distinct = values.Distinct().Count();
        var numeric = values.Count > 0 && values.All(IsNumber);
        var numbers = numeric ? values.Select(v => v.AsDouble()).ToList() : [];
        var source = spec switch
        {
            ConstantParameter => ParameterSources.Constant,
            ValuesParameter => ParameterSources.Values,
            DistributionParameter d => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(d.Distribution.ToString()),
            _ => ParameterSources.Default,
        };
        var scale = !numeric ? AxisScale.Categorical
            : spec is DistributionParameter { Distribution: Distribution.LogUniformValues } ? AxisScale.Log
            : SpansDecades(spec is DistributionParameter given ? [given.Min, given.Max] : numbers) ? AxisScale.Log
            : AxisScale.Linear;
        // A distribution's own range keeps grids and axes stable while trials arrive.
        var (min, max) = spec is DistributionParameter range ? (range.Min, range.Max)
            : numeric ? (numbers.Min(), numbers.Max()) : (double.NaN, double.NaN);
        return new ReportParameter(name, source, scale, distinct > 1, distinct,
            double.IsNaN(min) ? null : min, double.IsNaN(max) ? null : max);
    }

    /// <summary>Every value positive and the largest more than 10^<see cref="LogDecades"/> times the smallest.</summary>
    public static bool SpansDecades(IReadOnlyList<double> values) =>
        values.Count > 1 && values.All(v => v > 0) && Math.Log10(values.Max() / values.Min()) > LogDecades + 1e-9;

    public static bool IsNumber(ParamValue v) => v.Kind is ParamType.Int or ParamType.Float;
}

/// <summary>Where a sweep parameter's values came from, as <see cref="ReportParameter.Source"/> names it.</summary>
internal static class ParameterSources
{
    public const string Constant = "constant";
    public const string Values = "values";
    public const string Default = "default";
}
