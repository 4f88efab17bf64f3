using System.Globalization;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Reports;

namespace Atelier.Coordinator.Api;

/// <summary>
/// <c>GET /api/sweeps/{id}/report.html</c>, <c>/report.json</c> and <c>/trials.csv</c>: the sweep's report, live while
/// it runs, final once it ends (see <see cref="ReportService"/>). <c>?views=N</c> on the first two shows trial N's layer
/// views instead of the best trial's.
/// </summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        // views is bound as text: a bad value gets this API's own message, not a bare 400.
        app.MapGet("/api/sweeps/{id}/report.html", (string id, string? views, ReportService reports, CancellationToken ct) =>
            ServeAsync(id, views, reports, f => f.Html, "text/html; charset=utf-8", ct));
        app.MapGet("/api/sweeps/{id}/report.json", (string id, string? views, ReportService reports, CancellationToken ct) =>
            ServeAsync(id, views, reports, f => f.Json, "application/json; charset=utf-8", ct));
        app.MapGet("/api/sweeps/{id}/trials.csv", (string id, ReportService reports, CancellationToken ct) =>
            ServeAsync(id, null, reports, f => f.Csv, "text/csv; charset=utf-8", ct));
        return app;
    }

    private static async Task<IResult> ServeAsync(string id, string? views, ReportService reports, Func<ReportFiles, string> pick, string contentType,
        CancellationToken ct)
    {
        if (!SweepId.IsValid(id))
            return SweepEndpoints.Error(StatusCodes.Status400BadRequest, SweepId.Invalid(id));
        int? trial = null;
        if (views is not null)
        {
            if (!int.TryParse(views, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return SweepEndpoints.Error(StatusCodes.Status400BadRequest,
                    $"views '{views}' is not a trial number: give ?views=N with the trial's index, 0 or more (see `pbm sweep show {id}`)");
            }
            trial = n;
        }
        var answer = await reports.GetAsync(new SweepId(id), trial, ct);
        return answer.Files is { } files
            ? Results.Text(pick(files), contentType)
            : SweepEndpoints.Error(StatusCodes.Status404NotFound, answer.Problem ?? $"no sweep with id '{id}' (see `pbm sweep list`)");
    }
}
