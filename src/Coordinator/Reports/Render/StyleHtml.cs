using Atelier.Contracts.Api;
using Atelier.Coordinator.Reports.Model;
using Atelier.Coordinator.Reports.Pictures;
using Atelier.Shared.Protocol;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>The style-transfer section: content and style inputs, picture grids over the weights, progress strips.</summary>
public static class StyleHtml
{
    /// <summary>The losses shown under each picture, in this order.</summary>
    public static readonly IReadOnlyList<(string Metric, string Label)> Losses =
        [("content_loss", "content"), ("style_loss", "style"), ("tv_loss", "tv"), ("total_loss", "total")];

    public static void Write(HtmlWriter html, SweepReport report, IPictureSource pictures)
    {
        var style = report.Style!;
        var trials = report.Trials.ToDictionary(t => t.Index);
        if (style.Content is not null || style.Style is not null)
        {
            html.Element("h2", "Inputs").Raw("<div class=\"inputs\" id=\"inputs\">");
            if (style.Content is { } c) Figure(html, pictures, c, PictureSizes.Input, "content image", "input-content");
            if (style.Style is { } s) Figure(html, pictures, s, PictureSizes.Input, "style image", "input-style");
            html.Raw("</div>");
        }

        html.Element("h2", "Pictures over the weights");
        if (style.Grids.Count == 0 || style.Grids.All(g => g.Cells.All(c => c.Picture is null)))
            html.Element("p", "No trial has a picture yet.", "note");
        html.Element("p", $"Columns: {style.ColumnParameter ?? "—"}; rows: {style.RowParameter ?? "—"}" +
            (style.Grids.Count > 1 ? "; one grid per value of the further parameters." : ".") +
            " Each cell shows its best trial's result with the unweighted losses; the best trial is outlined.", "note");
        var size = PictureSizes.GridCell(style);
        foreach (var grid in style.Grids)
        {
            if (grid.Fixed.Count > 0) html.Element("h3", string.Join(", ", grid.Fixed.Select(f => $"{f.Key} = {f.Value}")));
            html.Raw("<table class=\"grid picture-grid\"><thead><tr><th class=\"corner\">")
                .Text($"{style.RowParameter ?? ""} ↓ / {style.ColumnParameter ?? ""} →").Raw("</th>");
            foreach (var column in grid.Columns) html.Raw("<th scope=\"col\">").Text(column).Raw("</th>");
            html.Raw("</tr></thead><tbody>");
            var cells = grid.Cells.ToDictionary(c => (c.Row, c.Column));
            for (var r = 0; r < grid.Rows.Count; r++)
            {
                html.Raw("<tr><th scope=\"row\">").Text(grid.Rows[r]).Raw("</th>");
                for (var col = 0; col < grid.Columns.Count; col++)
                {
                    if (!cells.TryGetValue((r, col), out var cell)) { html.Raw("<td class=\"empty\">—</td>"); continue; }
                    var shown = cell.Shown is { } i ? trials[i] : null;
                    html.Raw(cell.Shown == report.BestTrial ? "<td class=\"cell best\">" : "<td class=\"cell\">");
                    html.Raw("<figure>");
                    Image(html, pictures, cell.Picture, size, shown is null ? "no picture" : $"trial #{shown.Index}");
                    html.Raw("<figcaption>");
                    if (shown is not null) Caption(html, shown, report.BestTrial);
                    if (cell.Trials.Count > 1) html.Text($" (+{cell.Trials.Count - 1} more)");
                    html.Raw("</figcaption></figure></td>");
                }
                html.Raw("</tr>");
            }
            html.Raw("</tbody></table>");
        }

        html.Element("h2", "Progress");
        if (style.Strips.Count == 0) html.Element("p", "No previews yet.", "note");
        else if (style.StripsOmitted > 0)
            html.Element("p", $"The {style.Strips.Count} best trials; {style.StripsOmitted} more have previews (listed in report.json).", "note");
        html.Raw("<div id=\"strips\">");
        foreach (var strip in style.Strips)
        {
            var trial = trials[strip.Trial];
            html.Raw($"<div class=\"strip\" data-trial=\"{strip.Trial}\"><div class=\"who\">").Raw($"<b>#{trial.Index}</b> ")
                .Text(string.Join(", ", report.Parameters.Where(p => p.Varies && trial.Parameters.ContainsKey(p.Name))
                    .Select(p => $"{p.Name} = {NumberText.Of(trial.Parameters[p.Name])}")))
                .Raw("</div>");
            foreach (var frame in strip.Frames)
            {
                var label = frame.Kind == "result" ? "result" : $"step {StyleSections.StepOf(frame)}";
                html.Raw("<figure>");
                Image(html, pictures, frame, PictureSizes.StripFrame, $"trial #{trial.Index}, {label}");
                html.Element("figcaption", label).Raw("</figure>");
            }
            html.Raw("</div>");
        }
        html.Raw("</div>");
    }

    private static void Caption(HtmlWriter html, ReportTrial trial, int? best)
    {
        html.Raw($"<b>#{trial.Index}</b>{(trial.Index == best ? " best" : "")}");
        foreach (var (metric, label) in Losses)
        {
            if (trial.Metrics.TryGetValue(metric, out var v)) html.Raw("<br>").Text($"{label} {NumberText.Of(v)}");
        }
        if (trial.Status != TrialStatus.Completed) html.Raw("<br>").Text(Charts.Name(trial.Status));
    }

    private static void Figure(HtmlWriter html, IPictureSource pictures, ArtifactInfo picture, int size, string caption, string id)
    {
        html.Raw($"<figure id=\"{id}\">");
        Image(html, pictures, picture, size, caption);
        html.Element("figcaption", caption).Raw("</figure>");
    }

    private static void Image(HtmlWriter html, IPictureSource pictures, ArtifactInfo? picture, int size, string alt)
    {
        if (picture is not null && pictures.DataUri(picture, size) is { } uri)
            html.Raw($"<img src=\"{uri}\" alt=\"{HtmlWriter.Escape(alt)}\" style=\"max-width:{size}px;max-height:{size}px\">");
        else html.Raw($"<div class=\"empty\" style=\"width:{size}px\">").Text("no picture").Raw("</div>");
    }
}
