using Atelier.Coordinator.Reports;
using Atelier.Shared.Protocol;

namespace Atelier.Coordinator.Api;

/// <summary>
/// <c>GET /api/sweeps/{id}/report.html</c>, <c>/report.json</c> and <c>/trials.csv</c>: the sweep's report, live while
/// it runs, final once it ends (see <see cref="ReportService"/>).
/// </summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sweeps/{id}/report.html", (string id, ReportService reports, CancellationToken ct) =>
            ServeAsync(id, reports, f => f.Html, "text/html; charset=utf-8", ct));
        app.MapGet("/api/sweeps/{id}/report.json", (string id, ReportService reports, CancellationToken ct) =>
            ServeAsync(id, reports, f => f.Json, "application/json; charset=utf-8", ct));
        app.MapGet("/api/sweeps/{id}/trials.csv", (string id, ReportService reports, CancellationToken ct) =>
            ServeAsync(id, reports, f => f.Csv, "text/csv; charset=utf-8", ct));
        return app;
    }

    private static async Task<IResult> ServeAsync(string id, ReportService reports, Func<ReportFiles, string> pick, string contentType, CancellationToken ct)
    {
        if (!SweepId.IsValid(id))
            return SweepEndpoints.Error(StatusCodes.Status400BadRequest, SweepId.Invalid(id));
        var files = await reports.GetAsync(new SweepId(id), ct);
        return files is null
            ? SweepEndpoints.Error(StatusCodes.Status404NotFound, $"no sweep with id '{id}' (see `pbm sweep list`)")
            : Results.Text(pick(files), contentType);
    }
}
