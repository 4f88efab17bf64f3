using Atelier.Contracts.Api;
using Atelier.Coordinator.Reports.Model;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>A horizontal reference line on a chart, e.g. the Keras reference accuracy.</summary>
public sealed record ReferenceLine(double Value, string Label);

/// <summary>The report's charts as SVG strings, drawn from the report model.</summary>
public static class Charts
{
    public const int Width = 560, Height = 340;

    /// <summary>The sweep metric (final value) against one parameter: a point per trial, the best one ringed.</summary>
    public static string MetricVsParameter(SweepReport report, ReportParameter parameter, string? metric = null,
        IReadOnlyList<ReferenceLine>? references = null)
    {
        metric ??= report.Sweep.Metric.Name;
        var points = report.Trials
            .Where(t => t.Parameters.ContainsKey(parameter.Name) && t.Metrics.TryGetValue(metric, out var v) && double.IsFinite(v))
            .Select(t => (Trial: t, X: t.Parameters[parameter.Name], Y: t.Metrics[metric]))
            .ToList();
        var frame = new PlotFrame(Width, Height, $"{metric} vs {parameter.Name}", "scatter");
        var y = frame.YScale(points.Select(p => p.Y).Concat(references?.Select(r => r.Value) ?? []));
        Func<ParamValue, double> px;
        if (parameter.Scale == AxisScale.Categorical)
        {
            var categories = points.Select(p => p.X.ToString()).Distinct().Order(StringComparer.Ordinal).ToList();
            frame.Axes(null, y, parameter.Name, metric, categories);
            // Deterministic jitter inside the category so that points do not hide each other.
            px = v => frame.Category(categories.IndexOf(v.ToString()), categories.Count);
        }
        else
        {
            var x = frame.XScale(points.Select(p => p.X.AsDouble()), parameter.Scale == AxisScale.Log);
            frame.Axes(x, y, parameter.Name, metric);
            px = v => x.Map(v.AsDouble());
        }
        DrawReferences(frame, y, references);
        foreach (var (trial, xv, yv) in points.OrderBy(p => p.Trial.Index == report.BestTrial))
        {
            var jitter = parameter.Scale == AxisScale.Categorical ? ((trial.Index * 7919) % 21 - 10) * 1.2 : 0;
            var best = trial.Index == report.BestTrial;
            frame.Svg.Marker(px(xv) + jitter, y.Map(yv), best ? 7 : 4, best ? "circle" : ShapeOf(trial.Status),
                best ? Palette.Best : ColorOf(trial.Status), best ? "point best" : "point",
                $"trial #{trial.Index} ({Name(trial.Status)}): {parameter.Name} = {NumberText.Of(xv)}, {metric} = {NumberText.Of(yv)}",
                $"data-trial=\"{trial.Index}\"");
        }
        frame.Legend(StatusLegend(points.Select(p => p.Trial.Status), report.BestTrial is not null));
        return frame.ToString();
    }

    /// <summary>The sweep metric per step of every trial, the best trial drawn last, thick and in the best colour.</summary>
    public static string LearningCurves(SweepReport report, int maxPointsPerTrial, string? metric = null, string? title = null)
    {
        metric ??= report.Sweep.Metric.Name;
        var series = report.Trials
            .Select(t => (Trial: t, Points: Downsample(t.History.Where(p => p.Values.TryGetValue(metric, out var v) && double.IsFinite(v))
                .Select(p => (X: (double)p.Step, Y: p.Values[metric])).ToList(), maxPointsPerTrial)))
            .Where(s => s.Points.Count > 0)
            .ToList();
        var frame = new PlotFrame(Width, Height, title ?? $"learning curves: {metric} per step", "curves");
        var all = series.SelectMany(s => s.Points).ToList();
        var ys = all.Select(p => p.Y).ToList();
        var logY = ys.Count > 0 && ys.All(v => v > 0) && ys.Max() / ys.Min() >= 1000;
        var x = frame.XScale(all.Select(p => p.X), false);
        var y = frame.YScale(ys, logY);
        frame.Axes(x, y, "step", metric);
        foreach (var (trial, points) in series.OrderBy(s => s.Trial.Index == report.BestTrial))
        {
            var best = trial.Index == report.BestTrial;
            frame.Svg.Path(points.Select(p => (x.Map(p.X), y.Map(p.Y))), best ? "curve best" : "curve",
                best ? Palette.Best : Palette.Blue, $"trial #{trial.Index}");
        }
        frame.Legend(report.BestTrial is { } b
            ? [($"best: trial #{b}", Palette.Best, "line"), ("other trials", Palette.Blue, "line")]
            : [("trials", Palette.Blue, "line")]);
        return frame.ToString();
    }

    /// <summary>Named series on one chart (e.g. train and test accuracy of one trial).</summary>
    public static string Lines(string title, string xLabel, string yLabel,
        IReadOnlyList<(string Label, string Color, bool Dashed, IReadOnlyList<(double X, double Y)> Points)> series,
        IReadOnlyList<ReferenceLine>? references = null)
    {
        var frame = new PlotFrame(Width, Height, title, "lines");
        var all = series.SelectMany(s => s.Points).ToList();
        var x = frame.XScale(all.Select(p => p.X), false);
        var y = frame.YScale(all.Select(p => p.Y).Concat(references?.Select(r => r.Value) ?? []));
        frame.Axes(x, y, xLabel, yLabel);
        DrawReferences(frame, y, references);
        foreach (var s in series)
            frame.Svg.Path(s.Points.Select(p => (x.Map(p.X), y.Map(p.Y))), s.Dashed ? "series dashed" : "series", s.Color, s.Label);
        frame.Legend(series.Select(s => (s.Label, s.Color, "line")).ToList());
        return frame.ToString();
    }

    /// <summary>Vertical bars of values in [0, 1] (e.g. per-class accuracy).</summary>
    public static string Bars(string title, string yLabel, IReadOnlyList<(string Label, double Value)> bars)
    {
        var frame = new PlotFrame(Width, Height, title, "bars");
        var y = new Scale(0, Math.Max(1, bars.Select(b => b.Value).DefaultIfEmpty(1).Max()), frame.YBottom, frame.YTop, false);
        frame.Axes(null, y, "", yLabel, bars.Select(b => b.Label).ToList());
        var width = (frame.X1 - frame.X0) / Math.Max(1, bars.Count) * 0.7;
        for (var i = 0; i < bars.Count; i++)
        {
            var cx = frame.Category(i, bars.Count);
            frame.Svg.Rect(cx - width / 2, y.Map(bars[i].Value), width, frame.YBottom - y.Map(bars[i].Value), "bar", Palette.Blue,
                $"{bars[i].Label}: {NumberText.Of(bars[i].Value)}");
            frame.Svg.Text(cx, y.Map(bars[i].Value) - 4, (bars[i].Value * 100).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%", "bar-label");
        }
        return frame.ToString();
    }

    /// <summary>
    /// The metric over two parameters of a grid: a cell per pair of values, coloured from worst (dark) to best (light) and
    /// labelled with the value; where several trials share a cell (a third parameter varies) the best of them.
    /// </summary>
    public static string HeatMap(SweepReport report, ReportParameter across, ReportParameter down)
    {
        var metric = report.Sweep.Metric;
        var sign = metric.Goal == MetricGoal.Maximize ? 1 : -1;
        List<ParamValue> Values(ReportParameter p) => report.Trials.Where(t => t.Parameters.ContainsKey(p.Name)).Select(t => t.Parameters[p.Name])
            .Distinct().OrderBy(v => ParameterAxes.IsNumber(v) ? v.AsDouble() : 0).ThenBy(v => v.ToString(), StringComparer.Ordinal).ToList();
        var xs = Values(across);
        var ys = Values(down);
        var cells = report.Trials
            .Where(t => t.Value is { } v && double.IsFinite(v) && t.Parameters.ContainsKey(across.Name) && t.Parameters.ContainsKey(down.Name))
            .GroupBy(t => (X: xs.IndexOf(t.Parameters[across.Name]), Y: ys.IndexOf(t.Parameters[down.Name])))
            .ToDictionary(g => g.Key, g => g.MaxBy(t => sign * t.Value!.Value)!);
        var frame = new PlotFrame(Width, Height, $"{metric.Name} over {across.Name} × {down.Name}", "heat-map");
        frame.CategoryAxes(xs.Select(NumberText.Of).ToList(), ys.Select(NumberText.Of).ToList(), across.Name, down.Name);
        var values = cells.Values.Select(t => t.Value!.Value).ToList();
        var (low, high) = values.Count == 0 ? (0.0, 1.0) : (values.Min(), values.Max());
        var (w, h) = ((frame.X1 - frame.X0) / Math.Max(1, xs.Count), (frame.YBottom - frame.YTop) / Math.Max(1, ys.Count));
        for (var i = 0; i < xs.Count; i++)
        {
            for (var j = 0; j < ys.Count; j++)
            {
                var (x, y) = (frame.X0 + i * w, frame.YBottom - (j + 1) * h);
                if (!cells.TryGetValue((i, j), out var trial))
                {
                    frame.Svg.Rect(x + 1, y + 1, w - 2, h - 2, "heat-cell empty", "#eeeeee", $"{across.Name} = {NumberText.Of(xs[i])}, {down.Name} = {NumberText.Of(ys[j])}: no value");
                    continue;
                }
                var value = trial.Value!.Value;
                // 0 for the worst cell, 1 for the best, whichever way the metric goes.
                var goodness = high > low ? (sign > 0 ? value - low : high - value) / (high - low) : 1;
                frame.Svg.Rect(x + 1, y + 1, w - 2, h - 2, trial.Index == report.BestTrial ? "heat-cell best" : "heat-cell", Palette.Sequential(goodness),
                    $"trial #{trial.Index}: {across.Name} = {NumberText.Of(xs[i])}, {down.Name} = {NumberText.Of(ys[j])}, {metric.Name} = {NumberText.Of(value)}");
                frame.Svg.Text(x + w / 2, y + h / 2 + 4, NumberText.Of(value), goodness < 0.55 ? "heat-value light" : "heat-value");
            }
        }
        frame.Legend([($"best per cell; light = better {metric.Name}", Palette.Sequential(1), "square")]);
        return frame.ToString();
    }

    /// <summary>Keeps at most <paramref name="max"/> points, evenly spread, the first and the last among them.</summary>
    public static List<(double X, double Y)> Downsample(List<(double X, double Y)> points, int max)
    {
        if (points.Count <= max || max < 2) return points;
        return Enumerable.Range(0, max).Select(i => points[(int)Math.Round(i * (points.Count - 1) / (double)(max - 1))]).ToList();
    }

    /// <summary>
    /// Dashed lines with their labels above them; a label that would sit on the one before it (lines less than a text
    /// line apart) goes to the other end of its line, so labels never overlap.
    /// </summary>
    internal static void DrawReferences(PlotFrame frame, Scale y, IReadOnlyList<ReferenceLine>? references)
    {
        double? previous = null;
        var atStart = true;
        foreach (var r in (references ?? []).OrderByDescending(r => y.Map(r.Value)))
        {
            var py = y.Map(r.Value);
            frame.Svg.Line(frame.X0, py, frame.X1, py, "reference");
            atStart = previous is not { } p || p - py >= PlotFrame.TextLine || !atStart;
            if (atStart) frame.Svg.Text(frame.X0 + 6, py - 5, r.Label, "reference-label", "start");
            else frame.Svg.Text(frame.X1 - 6, py - 5, r.Label, "reference-label", "end");
            previous = py;
        }
    }

    internal static string ColorOf(TrialStatus s) => s switch
    {
        TrialStatus.Completed => Palette.Blue,
        TrialStatus.Stopped => Palette.Orange,
        TrialStatus.Running => Palette.BluishGreen,
        _ => Palette.ReddishPurple,
    };

    internal static string ShapeOf(TrialStatus s) => s switch
    {
        TrialStatus.Completed => "circle",
        TrialStatus.Stopped => "triangle",
        _ => "square",
    };

    internal static string Name(TrialStatus s) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString());

    private static List<(string, string, string)> StatusLegend(IEnumerable<TrialStatus> statuses, bool best)
    {
        var legend = statuses.Distinct().Order().Select(s => (Name(s), ColorOf(s), ShapeOf(s))).ToList();
        if (best) legend.Add(("best", Palette.Best, "circle"));
        return legend;
    }
}
