using Atelier.Coordinator.Reports.Model;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>
/// The charts every report has: the metric against each varying parameter, heat maps over pairs of a grid's parameters,
/// learning curves, parallel coordinates.
/// </summary>
public static class ChartsHtml
{
    /// <summary>Points of all learning curves together; each trial's curve is thinned to its share (20 to 400 points).</summary>
    public const int CurvePointBudget = 60_000;

    public static void Write(HtmlWriter html, SweepReport report)
    {
        var varying = report.Parameters.Where(p => p.Varies).ToList();
        html.Element("h2", $"{report.Sweep.Metric.Name} against the parameters");
        if (varying.Count == 0) html.Element("p", "No parameter varies in this sweep.", "note");
        else
        {
            html.Raw("<div class=\"charts\" id=\"metric-vs-parameter\">");
            foreach (var p in varying) html.Raw(Charts.MetricVsParameter(report, p));
            html.Raw("</div>");
        }

        // A grid: the metric over every pair of the parameters it varies (the best trial of each cell).
        var gridded = report.Sweep.Method == "grid" ? varying.Where(p => p.Source == ParameterSources.Values).ToList() : [];
        if (gridded.Count >= 2)
        {
            html.Element("h2", $"{report.Sweep.Metric.Name} over pairs of parameters").Raw("<div class=\"charts\" id=\"heat-maps\">");
            for (var i = 0; i < gridded.Count; i++)
                for (var j = i + 1; j < gridded.Count; j++)
                    html.Raw(Charts.HeatMap(report, gridded[i], gridded[j]));
            html.Raw("</div>");
        }

        html.Element("h2", "Learning curves");
        if (report.Trials.Any(t => t.History.Any(h => h.Values.ContainsKey(report.Sweep.Metric.Name))))
        {
            var perTrial = Math.Clamp(CurvePointBudget / Math.Max(1, report.Trials.Count), 20, 400);
            html.Raw("<div class=\"charts\" id=\"learning-curves\">").Raw(Charts.LearningCurves(report, perTrial)).Raw("</div>");
        }
        else html.Element("p", "No trial has reported a metric per step yet.", "note");

        if (varying.Count > 2)
        {
            html.Element("h2", "Parallel coordinates")
                .Raw("<div id=\"parallel-coordinates\">").Raw(ParallelCoordinates.Draw(report, varying)).Raw("</div>")
                .Element("p", "One line per trial with a value: the best trial thick, the best tenth in blue, the rest grey.", "note");
        }
    }
}
