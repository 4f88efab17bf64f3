using System.Globalization;
using Atelier.Coordinator.Reports.Model;
using Atelier.Coordinator.Reports.Pictures;
using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>
/// Renders <c>report.html</c>: one self-contained file (inline CSS, SVG charts, pictures as data URIs, one inline
/// script for sorting; a Content-Security-Policy forbids fetching anything).
/// </summary>
public static class HtmlReport
{
    /// <summary>A live report reloads itself this often (seconds).</summary>
    public const int LiveRefreshSeconds = 30;

    public static string Render(SweepReport report, IPictureSource pictures)
    {
        var s = report.Sweep;
        var html = new HtmlWriter();
        html.Raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Raw("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">")
            .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Raw("<link rel=\"icon\" href=\"data:,\">");
        if (!report.Final) html.Raw($"<meta http-equiv=\"refresh\" content=\"{LiveRefreshSeconds}\">");
        html.Element("title", $"{s.Name} — sweep report")
            .Raw("<style>").Raw(ReportAssets.Css).Raw("</style></head><body>");

        html.Raw("<header>").Element("h1", $"Sweep {s.Name}")
            .Raw("<p class=\"sub\">")
            .Text($"{s.Id} · job {s.Job} · {s.Method} search · metric {s.Metric.Name} ({Name(s.Metric.Goal)}) · {Name(s.Status)} · ")
            .Raw(report.Final
                ? "<span class=\"badge final\">final report</span>"
                : $"<span class=\"badge live\">live report</span> <span class=\"note noprint\">(reloads every {LiveRefreshSeconds} s)</span>")
            .Text($" · generated {report.GeneratedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC")
            .Raw("</p></header>");

        Summary(html, report);
        Best(html, report);
        if (report.Style is not null) StyleHtml.Write(html, report, pictures);
        if (report.Cifar is not null) CifarHtml.Write(html, report);
        if (report.Views is not null) LayerViewHtml.Write(html, report, pictures);
        ChartsHtml.Write(html, report);
        TrialTable.Write(html, report);

        html.Raw("<footer>")
            .Text($"Atelier sweep report, schema version {report.SchemaVersion}. The same data: report.json (schema: docs/report.schema.json) and trials.csv, ")
            .Text($"from GET /api/sweeps/{s.Id}/report.json and /trials.csv, or pbm sweep report {s.Id}.")
            .Raw("</footer>");
        html.Raw("<script>").Raw(ReportAssets.Script).Raw("</script></body></html>\n");
        return html.ToString();
    }

    private static void Summary(HtmlWriter html, SweepReport report)
    {
        var c = report.Summary.Counts;
        html.Element("h2", "Summary").Raw("<div class=\"cards\" id=\"summary\">");
        Card(html, "trials", c.Total.ToString(CultureInfo.InvariantCulture), "summary-total");
        foreach (var (name, n) in new[] { ("completed", c.Completed), ("running", c.Running), ("pending", c.Pending), ("stopped early", c.Stopped), ("failed", c.Failed), ("cancelled", c.Cancelled) })
        {
            if (n > 0) Card(html, name, n.ToString(CultureInfo.InvariantCulture), "summary-" + name.Replace(' ', '-'));
        }
        Card(html, "GPU time", NumberText.Duration(report.Summary.GpuSeconds), "summary-gpu");
        Card(html, "saved by early stopping", report.Summary.SavedSteps > 0 ? "≈ " + NumberText.Duration(report.Summary.SavedSeconds) : "none", "summary-saved");
        if (report.Summary.WallSeconds is { } wall) Card(html, report.Final ? "took" : "running for", NumberText.Duration(wall), "summary-wall");
        if (report.Summary.BestValue is { } best) Card(html, $"best {report.Sweep.Metric.Name}", NumberText.Of(best), "summary-best");
        html.Raw("</div>");
        html.Raw("<p class=\"note\">")
            .Text("GPU time: the sum of the trials' run times (first start to end; one slot per trial). Time saved: for each trial stopped early, the steps it did not run times its own mean step time")
            .Text(report.Summary.SavedSteps > 0 ? $" ({report.Summary.SavedSteps.ToString(CultureInfo.InvariantCulture)} steps)." : ".")
            .Raw("</p>");
        var constants = report.Parameters.Where(p => !p.Varies).ToList();
        if (constants.Count > 0)
        {
            var first = report.Trials.FirstOrDefault();
            html.Raw("<p class=\"note\">").Text("Fixed parameters: " + string.Join(", ", constants.Select(p =>
                $"{p.Name} = {(first is not null && first.Parameters.TryGetValue(p.Name, out var v) ? NumberText.Of(v) : "?")}"))).Raw("</p>");
        }
    }

    private static void Best(HtmlWriter html, SweepReport report)
    {
        html.Element("h2", "Best trial");
        if (report.BestTrial is not { } index || report.Trials.FirstOrDefault(t => t.Index == index) is not { } best)
        {
            html.Element("p", "No trial has completed with a value of the metric yet.", "note");
            return;
        }
        // One compact row: what varies, the sweep's metric and the job's main metrics (the rest are in the trial table,
        // report.json and trials.csv), as pbm sweep show lays them out.
        var varying = report.Parameters.Where(p => p.Varies).Select(p => p.Name).ToList();
        var metricNames = TrialsCsv.MetricColumns(report).ToHashSet(StringComparer.Ordinal);
        var metrics = TrialColumnNames.MainMetrics(report.Sweep.Job, report.Sweep.Metric.Name, best.Metrics.Keys);
        html.Raw("<div class=\"table-wrap\"><table class=\"trials compact\" id=\"best\"><thead><tr><th>trial</th>");
        foreach (var p in varying) html.Raw("<th>").Text(TrialColumnNames.Parameter(p, metricNames)).Raw("</th>");
        foreach (var m in metrics) html.Raw("<th>").Text(m).Raw("</th>");
        html.Raw("<th>run time</th></tr></thead><tbody><tr class=\"best\"><td>").Text($"#{best.Index}").Raw("</td>");
        foreach (var p in varying) html.Raw("<td>").Text(best.Parameters.TryGetValue(p, out var v) ? NumberText.Of(v) : "—").Raw("</td>");
        foreach (var m in metrics) html.Raw("<td>").Text(best.Metrics.TryGetValue(m, out var v) ? NumberText.Of(v) : "—").Raw("</td>");
        html.Raw("<td>").Text(best.RunSeconds is { } run ? NumberText.Duration(run) : "—").Raw("</td></tr></tbody></table></div>");
    }

    private static void Card(HtmlWriter html, string key, string value, string id) =>
        html.Raw($"<div class=\"card\" id=\"{id}\"><div class=\"k\">").Text(key).Raw("</div><div class=\"v\">").Text(value).Raw("</div></div>");

    internal static string Name<T>(T value) where T : struct, Enum => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    internal static string Name(TrialStatus status) => Name<TrialStatus>(status);
}
