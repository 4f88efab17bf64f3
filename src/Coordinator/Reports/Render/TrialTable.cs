using System.Globalization;
using Atelier.Coordinator.Reports.Model;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>The sortable table of every trial: index, status, parameters, metrics, run time, attempts, error.</summary>
public static class TrialTable
{
    /// <summary>Metrics besides the sweep's own that get a column (the rest are in report.json and trials.csv).</summary>
    public const int MaxMetricColumns = 6;

    public static void Write(HtmlWriter html, SweepReport report)
    {
        var parameters = report.Parameters.Where(p => p.Varies).ToList();
        var metrics = Columns(report);
        html.Element("h2", $"Trials ({report.Trials.Count})")
            .Element("p", "Click a column heading to sort; again to reverse. The best trial is highlighted.", "note noprint")
            .Raw("<div class=\"table-wrap\"><table class=\"trials sortable\" id=\"trials\"><thead><tr>")
            .Raw("<th data-type=\"number\">#</th><th class=\"t\" data-type=\"text\">status</th>");
        var metricNames = TrialsCsv.MetricColumns(report).ToHashSet(StringComparer.Ordinal);
        foreach (var p in parameters)
            html.Raw(p.Scale == AxisScale.Categorical ? "<th class=\"t\" data-type=\"text\">" : "<th data-type=\"number\">")
                .Text(Contracts.Api.TrialColumnNames.Parameter(p.Name, metricNames)).Raw("</th>");
        foreach (var m in metrics) html.Raw("<th data-type=\"number\">").Text(m).Raw("</th>");
        html.Raw("<th data-type=\"number\">run time</th><th data-type=\"number\">steps</th><th data-type=\"number\">attempts</th><th class=\"t\" data-type=\"text\">error</th></tr></thead><tbody>");
        foreach (var t in report.Trials)
        {
            html.Raw(t.Index == report.BestTrial ? $"<tr class=\"best\" id=\"trial-{t.Index}\">" : $"<tr id=\"trial-{t.Index}\">");
            Number(html, t.Index, t.Index.ToString(CultureInfo.InvariantCulture));
            html.Raw("<td class=\"t\">").Text(Charts.Name(t.Status)).Raw("</td>");
            foreach (var p in parameters)
            {
                if (!t.Parameters.TryGetValue(p.Name, out var v)) html.Raw("<td></td>");
                else if (p.Scale == AxisScale.Categorical) html.Raw("<td class=\"t\">").Text(v.ToString()).Raw("</td>");
                else Number(html, v.AsDouble(), NumberText.Of(v));
            }
            foreach (var m in metrics)
            {
                if (t.Metrics.TryGetValue(m, out var v) && double.IsFinite(v)) Number(html, v, NumberText.Of(v));
                else html.Raw("<td></td>");
            }
            if (t.RunSeconds is { } run) Number(html, run, NumberText.Duration(run));
            else html.Raw("<td></td>");
            if (t.LastStep is { } step) Number(html, step, step.ToString(CultureInfo.InvariantCulture));
            else html.Raw("<td></td>");
            Number(html, t.Attempts, t.Attempts.ToString(CultureInfo.InvariantCulture));
            html.Raw("<td class=\"err\">").Text(t.Error is { Length: > 200 } e ? e[..200] + "…" : t.Error ?? "").Raw("</td></tr>");
        }
        html.Raw("</tbody></table></div>");
    }

    /// <summary>The sweep's metric first, then up to <see cref="MaxMetricColumns"/> others in the order trials report them (no per-class ones).</summary>
    public static IReadOnlyList<string> Columns(SweepReport report) =>
        report.Trials.SelectMany(t => t.Metrics.Keys)
            .Where(m => m != report.Sweep.Metric.Name && !m.StartsWith(CifarSections.ClassMetricPrefix, StringComparison.Ordinal))
            .Distinct()
            .Take(MaxMetricColumns)
            .Prepend(report.Sweep.Metric.Name)
            .ToList();

    private static void Number(HtmlWriter html, double value, string text) =>
        html.Raw($"<td data-v=\"{HtmlWriter.Invariant(value)}\">").Text(text).Raw("</td>");
}
