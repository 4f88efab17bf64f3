using Atelier.Coordinator.Reports.Model;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>Maps a data range onto pixels, linearly or logarithmically, and chooses readable ticks.</summary>
public sealed class Scale
{
    private readonly double _d0, _d1, _r0, _r1;

    public Scale(double min, double max, double from, double to, bool log)
    {
        IsLog = log && min > 0 && max > 0;
        if (!double.IsFinite(min) || !double.IsFinite(max)) (min, max) = (0, 1);
        if (max <= min)
        {
            // One value: centre it in a small range.
            var pad = IsLog ? min * 0.5 : Math.Max(Math.Abs(min) * 0.1, 0.5);
            (min, max) = (min - pad, max + pad);
            if (IsLog && min <= 0) min = max / 10;
        }
        Min = min;
        Max = max;
        (_d0, _d1) = IsLog ? (Math.Log10(min), Math.Log10(max)) : (min, max);
        (_r0, _r1) = (from, to);
    }

    public bool IsLog { get; }
    public double Min { get; }
    public double Max { get; }

    /// <summary>The pixel position of <paramref name="value"/>.</summary>
    public double Map(double value)
    {
        var v = IsLog ? Math.Log10(Math.Max(value, double.Epsilon)) : value;
        return _r0 + (v - _d0) / (_d1 - _d0) * (_r1 - _r0);
    }

    /// <summary>A scale over <paramref name="values"/> with a little padding (log when asked and every value is positive).</summary>
    public static Scale Over(IEnumerable<double> values, double from, double to, bool log, double padding = 0.04)
    {
        var finite = values.Where(double.IsFinite).Where(v => !log || v > 0).ToList();
        log = log && finite.Count > 0;
        if (finite.Count == 0) return new Scale(0, 1, from, to, false);
        double min = finite.Min(), max = finite.Max();
        if (log)
        {
            var (l0, l1) = (Math.Log10(min), Math.Log10(max));
            var pad = (l1 - l0) * padding;
            return new Scale(Math.Pow(10, l0 - pad), Math.Pow(10, l1 + pad), from, to, true);
        }
        var p = (max - min) * padding;
        return new Scale(min - p, max + p, from, to, false);
    }

    /// <summary>About <paramref name="count"/> ticks: 1-2-5 steps on a linear scale, powers of ten (and 2, 5 between) on a log one.</summary>
    public IReadOnlyList<double> Ticks(int count = 5)
    {
        if (IsLog)
        {
            var first = (int)Math.Floor(Math.Log10(Min));
            var last = (int)Math.Ceiling(Math.Log10(Max));
            var decades = Enumerable.Range(first, last - first + 1).Select(e => Math.Pow(10, e)).ToList();
            var ticks = decades.Where(InRange).ToList();
            if (ticks.Count < 3)
                ticks = decades.SelectMany(d => new[] { d, 2 * d, 5 * d }).Where(InRange).ToList();
            // Many decades: keep every k-th so labels do not collide.
            var step = Math.Max(1, (int)Math.Ceiling(ticks.Count / (double)(count + 2)));
            return ticks.Where((_, i) => i % step == 0).ToList();
        }
        var raw = (Max - Min) / Math.Max(1, count);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var nice = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        var start = Math.Ceiling(Min / nice) * nice;
        var result = new List<double>();
        for (var v = start; v <= Max + nice * 1e-9; v += nice) result.Add(Math.Abs(v) < nice * 1e-9 ? 0 : v);
        return result;
    }

    public static string Label(double value) => NumberText.Of(value);

    private bool InRange(double v) => v >= Min * (1 - 1e-9) && v <= Max * (1 + 1e-9);
}
