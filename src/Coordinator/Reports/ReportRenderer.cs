using Atelier.Coordinator.Reports.Model;
using Atelier.Coordinator.Reports.Pictures;
using Atelier.Coordinator.Reports.Render;
using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Reports;

/// <summary>The three files of a report.</summary>
public sealed record ReportFiles(SweepReport Model, string Html, string Json, string Csv);

/// <summary>Turns a sweep (with histories) into its report files: model, thumbnails made in parallel, then HTML, JSON and CSV.</summary>
public sealed class ReportRenderer(IPictureSource pictures, ReportLimits? limits = null)
{
    /// <param name="views">The trial whose layer views the report shows; null: the best trial's.</param>
    public ReportFiles Render(SweepDto sweep, DateTimeOffset now, int? views = null)
    {
        var model = ReportBuilder.Build(sweep, now, limits, views);
        pictures.Prepare(PictureSizes.Needed(model));
        return new ReportFiles(model, HtmlReport.Render(model, pictures), ReportJson.Write(model), TrialsCsv.Write(model));
    }
}
