using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using static Atelier.Coordinator.Api.SweepEndpoints;

namespace Atelier.Coordinator.Api;

/// <summary><c>GET /api/sweeps/{id}/logs[?trial=N][&amp;metrics=true]</c>: the sweep's history, line by line (<see cref="SweepLog"/>).</summary>
public static class SweepLogEndpoints
{
    public static IEndpointRouteBuilder MapSweepLogEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sweeps/{id}/logs", LogsAsync);
        return app;
    }

    private static async Task<IResult> LogsAsync(string id, int? trial, bool? metrics, SweepService sweeps, CancellationToken ct)
    {
        if (!SweepId.IsValid(id))
            return Error(StatusCodes.Status400BadRequest, SweepId.Invalid(id));
        if (trial is < 0)
            return Error(StatusCodes.Status400BadRequest, $"trial {trial} is not a trial number: give the trial's index (0 or more)");
        var events = await sweeps.EventsAsync(new SweepId(id), ct);
        if (events.Count == 0)
            return Error(StatusCodes.Status404NotFound, $"no sweep with id '{id}' (see `pbm sweep list`)");

        // A trial's own lines come with its metrics unless told otherwise; the whole sweep's only when asked.
        var withMetrics = metrics ?? trial is not null;
        var lines = events
            .Select(e => SweepLog.Describe(e.Sequence, e.Event, withMetrics))
            .OfType<SweepLogLine>()
            .Where(l => trial is null || l.Trial == trial)
            .ToList();
        if (trial is { } t && lines.Count == 0 && TrialCount(events) is var count && count <= t)
            return Error(StatusCodes.Status404NotFound, $"sweep {id} has no trial {t}: its trials are 0 to {count - 1} (see `pbm sweep show {id}`)");
        return Results.Json(new SweepLogDto(id, trial, lines), ApiJson.Options);
    }

    private static int TrialCount(IReadOnlyList<(long Sequence, object Event)> events) => events.Sum(e => e.Event switch
    {
        SweepEvents.SweepCreated c => c.Trials.Count,
        SweepEvents.TrialSuggested => 1,
        SweepEvents.SweepExtended x => x.NewTrials.Count,
        _ => 0,
    });
}
