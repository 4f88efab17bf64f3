using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>
/// One axis of a picture grid: a parameter's distinct values in order when there are few, else bins of its range
/// (in log space for a log axis), so that a random search still gives a readable grid.
/// </summary>
public sealed class GridAxis
{
    /// <summary>Up to this many distinct values get one row or column each; more are binned.</summary>
    public const int MaxExactValues = 12;

    /// <summary>How many bins a binned axis has.</summary>
    public const int Bins = 8;

    private readonly Dictionary<ParamValue, int>? _exact;
    private readonly double _low, _high;
    private readonly bool _log;

    private GridAxis(string parameter, IReadOnlyList<string> labels, Dictionary<ParamValue, int>? exact, double low, double high, bool log)
    {
        Parameter = parameter;
        Labels = labels;
        _exact = exact;
        _low = low;
        _high = high;
        _log = log;
    }

    public string Parameter { get; }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>Whether the axis groups ranges of values rather than single values.</summary>
    public bool IsBinned => _exact is null;

    public static GridAxis For(ReportParameter parameter, IEnumerable<ParamValue> values)
    {
        var distinct = values.Distinct().ToList();
        var numeric = distinct.Count > 0 && distinct.All(ParameterAxes.IsNumber);
        if (!numeric || distinct.Count <= MaxExactValues)
        {
            var ordered = numeric
                ? distinct.OrderBy(v => v.AsDouble()).ToList()
                : distinct.OrderBy(v => v.ToString(), StringComparer.Ordinal).ToList();
            var index = ordered.Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i);
            return new GridAxis(parameter.Name, ordered.Select(NumberText.Of).ToList(), index, 0, 0, false);
        }

        var log = parameter.Scale == AxisScale.Log && distinct.All(v => v.AsDouble() > 0);
        var numbers = distinct.Select(v => v.AsDouble()).ToList();
        double lowest = Math.Min(parameter.Min ?? numbers.Min(), numbers.Min()), highest = Math.Max(parameter.Max ?? numbers.Max(), numbers.Max());
        double low = Transform(lowest, log), high = Transform(highest, log);
        var labels = Enumerable.Range(0, Bins).Select(b =>
        {
            var from = Untransform(low + (high - low) * b / Bins, log);
            var to = Untransform(low + (high - low) * (b + 1) / Bins, log);
            return $"{NumberText.Of(from)}–{NumberText.Of(to)}";
        }).ToList();
        return new GridAxis(parameter.Name, labels, null, low, high, log);
    }

    /// <summary>The row or column of <paramref name="value"/>.</summary>
    public int IndexOf(ParamValue value)
    {
        if (_exact is not null) return _exact.TryGetValue(value, out var i) ? i : 0;
        var x = Transform(value.AsDouble(), _log);
        if (_high <= _low) return 0;
        return Math.Clamp((int)Math.Floor((x - _low) / (_high - _low) * Bins), 0, Bins - 1);
    }

    private static double Transform(double v, bool log) => log ? Math.Log10(v) : v;

    private static double Untransform(double v, bool log) => log ? Math.Pow(10, v) : v;
}
