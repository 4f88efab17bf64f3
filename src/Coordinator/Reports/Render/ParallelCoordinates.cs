using Atelier.Coordinator.Reports.Model;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>
/// Parallel coordinates: one vertical axis per varying parameter and one for the metric; a line per trial, the
/// best tenth in blue, the best trial thick in the best colour, the rest grey.
/// </summary>
public static class ParallelCoordinates
{
    public const int Width = 1120, Height = 380;

    public static string Draw(SweepReport report, IReadOnlyList<ReportParameter> parameters)
    {
        var metric = report.Sweep.Metric.Name;
        var trials = report.Trials.Where(t => t.Value is not null).ToList();
        var svg = new SvgWriter(Width, Height, $"parallel coordinates: {string.Join(", ", parameters.Select(p => p.Name))} and {metric}", "parallel");
        svg.Text(Width / 2.0, 18, $"parallel coordinates ({metric} on the right)", "chart-title");
        const double top = 50, bottom = Height - 40, left = 70, right = Width - 70;
        var axisCount = parameters.Count + 1;
        double AxisX(int i) => left + (right - left) * i / Math.Max(1, axisCount - 1);

        var mappers = new List<Func<ReportTrial, double?>>();
        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            var values = trials.Where(t => t.Parameters.ContainsKey(p.Name)).Select(t => t.Parameters[p.Name]).ToList();
            var ax = AxisX(i);
            svg.Line(ax, top, ax, bottom, "axis");
            svg.Text(ax, top - 12, p.Name + (p.Scale == AxisScale.Log ? " (log)" : ""), "axis-label");
            if (p.Scale == AxisScale.Categorical)
            {
                var categories = values.Select(v => v.ToString()).Distinct().Order(StringComparer.Ordinal).ToList();
                double Position(int k) => categories.Count == 1 ? (top + bottom) / 2 : bottom - (bottom - top) * k / (categories.Count - 1);
                for (var k = 0; k < categories.Count; k++) svg.Text(ax + 6, Position(k) + 4, categories[k], "tick", "start");
                mappers.Add(t => t.Parameters.TryGetValue(p.Name, out var v) ? Position(categories.IndexOf(v.ToString())) : null);
            }
            else
            {
                var scale = Scale.Over(values.Select(v => v.AsDouble()), bottom, top, p.Scale == AxisScale.Log, 0);
                Ticks(svg, ax, scale);
                mappers.Add(t => t.Parameters.TryGetValue(p.Name, out var v) ? scale.Map(v.AsDouble()) : null);
            }
        }
        var metricAxis = AxisX(parameters.Count);
        var y = Scale.Over(trials.Select(t => t.Value!.Value), bottom, top, false, 0);
        svg.Line(metricAxis, top, metricAxis, bottom, "axis");
        svg.Text(metricAxis, top - 12, metric, "axis-label");
        Ticks(svg, metricAxis, y);
        mappers.Add(t => y.Map(t.Value!.Value));

        var ranked = trials.Order(ReportBuilder.Better(report.Sweep.Metric)).ToList();
        var top10 = ranked.Take(Math.Max(1, ranked.Count / 10)).Select(t => t.Index).ToHashSet();
        foreach (var t in ranked.AsEnumerable().Reverse())
        {
            var best = t.Index == report.BestTrial;
            var points = mappers.Select((m, i) => (X: AxisX(i), Y: m(t) ?? double.NaN)).ToList();
            svg.Path(points, best ? "pc best" : top10.Contains(t.Index) ? "pc top" : "pc",
                best ? Palette.Best : top10.Contains(t.Index) ? Palette.Blue : Palette.Grey, $"trial #{t.Index}");
        }
        return svg.ToString();
    }

    private static void Ticks(SvgWriter svg, double x, Scale scale)
    {
        foreach (var t in scale.Ticks(4))
        {
            svg.Line(x - 4, scale.Map(t), x, scale.Map(t), "axis");
            svg.Text(x - 7, scale.Map(t) + 4, Scale.Label(t), "tick", "end");
        }
    }
}
