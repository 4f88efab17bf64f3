using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Api;

/// <summary>
/// <c>POST /api/sweeps</c> (body: the YAML spec), <c>GET /api/sweeps</c>,
/// <c>GET /api/sweeps/{id}[?history=true]</c>. Every error is an <see cref="ApiError"/>.
/// </summary>
public static class SweepEndpoints
{
    /// <summary>Largest spec body accepted.</summary>
    public const int MaxSpecBytes = 1 << 20;

    public static IEndpointRouteBuilder MapSweepEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/sweeps", SubmitAsync);
        app.MapGet("/api/sweeps", async (SweepService sweeps, CancellationToken ct) => Results.Json(await sweeps.ListAsync(ct), ApiJson.Options));
        app.MapGet("/api/sweeps/{id}", GetAsync);
        app.MapPost("/api/sweeps/{id}/cancel", CancelAsync);
        app.MapPost("/api/sweeps/{id}/pause", (string id, SweepService sweeps, CancellationToken ct) =>
            ControlAsync(id, sweeps, sweepId => new SweepCommands.PauseSweep(sweepId), ct));
        app.MapPost("/api/sweeps/{id}/resume", (string id, SweepService sweeps, CancellationToken ct) =>
            ControlAsync(id, sweeps, sweepId => new SweepCommands.ResumeSweep(sweepId), ct));
        app.MapPost("/api/sweeps/{id}/extend", ExtendAsync);
        return app;
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, SweepService sweeps, Artifacts.ArtifactStore store, CancellationToken ct)
    {
        var (spec, yaml, problem) = await ReadSpecAsync(request, store, ct);
        if (problem is not null) return problem;

        var reply = await sweeps.SubmitAsync(spec!, yaml, ct);
        if (!reply.Created) return Error(StatusCodes.Status409Conflict, reply.Error ?? "the sweep was not created");
        return Results.Json(new SubmitSweepResponse(reply.SweepId.Value, spec!.Name, reply.Trials), ApiJson.Options,
            statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(string id, bool? history, SweepService sweeps, CancellationToken ct)
    {
        if (!SweepId.IsValid(id))
            return Error(StatusCodes.Status400BadRequest, SweepId.Invalid(id));
        var sweep = await sweeps.GetAsync(new SweepId(id), history ?? false, ct);
        return sweep is null
            ? Error(StatusCodes.Status404NotFound, $"no sweep with id '{id}' (see `pbm sweep list`)")
            : Results.Json(sweep, ApiJson.Options);
    }

    private static async Task<IResult> CancelAsync(string id, SweepService sweeps, CancellationToken ct)
    {
        if (!SweepId.IsValid(id))
            return Error(StatusCodes.Status400BadRequest, SweepId.Invalid(id));
        var sweepId = new SweepId(id);
        var before = await sweeps.GetAsync(sweepId, false, ct);
        if (before is null) return Error(StatusCodes.Status404NotFound, $"no sweep with id '{id}' (see `pbm sweep list`)");
        var reply = await sweeps.CancelAsync(sweepId, "cancelled through the API", ct);
        if (!reply.Cancelled) return Error(StatusCodes.Status409Conflict, reply.Message);
        var after = await sweeps.GetAsync(sweepId, false, ct);
        return Results.Json(after, ApiJson.Options);
    }

    /// <summary>
    /// The YAML body, parsed and validated, its inputs given by hashes the store has (never by path); or the error
    /// result to answer with.
    /// </summary>
    private static async Task<(SweepSpec? Spec, string Yaml, IResult? Problem)> ReadSpecAsync(HttpRequest request, Artifacts.ArtifactStore store,
        CancellationToken ct)
    {
        if (request.ContentLength > MaxSpecBytes)
            return (null, "", Error(StatusCodes.Status413PayloadTooLarge, $"the sweep spec is {request.ContentLength} bytes; the limit is {MaxSpecBytes}"));
        using var reader = new StreamReader(request.Body);
        var buffer = new char[MaxSpecBytes + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        if (read > MaxSpecBytes)
            return (null, "", Error(StatusCodes.Status413PayloadTooLarge, $"the sweep spec is larger than the limit of {MaxSpecBytes} bytes"));
        var yaml = new string(buffer, 0, read);
        if (string.IsNullOrWhiteSpace(yaml))
            return (null, yaml, Error(StatusCodes.Status400BadRequest, "the request body is empty: send the sweep spec YAML as the body"));

        var parsed = SweepSpecParser.Parse(yaml);
        var errors = parsed.IsValid && parsed.Spec is not null ? SpecInputs.CheckForServer(yaml, parsed.Spec, store.Touch) : parsed.Errors;
        if (errors.Count == 0) return (parsed.Spec, yaml, null);
        var details = errors.Select(e => new ApiErrorDetail(e.Field, e.Message, e.Line)).ToList();
        var noun = details.Count == 1 ? "problem" : "problems";
        return (null, yaml, Results.Json(new ApiError($"the sweep spec is invalid ({details.Count} {noun}): {errors[0]}", details),
            ApiJson.Options, statusCode: StatusCodes.Status400BadRequest));
    }

    private static async Task<IResult> ControlAsync(string id, SweepService sweeps, Func<SweepId, IWithSweepId> command, CancellationToken ct)
    {
        if (!SweepId.IsValid(id))
            return Error(StatusCodes.Status400BadRequest, SweepId.Invalid(id));
        var sweepId = new SweepId(id);
        if (await sweeps.GetAsync(sweepId, false, ct) is null) return Error(StatusCodes.Status404NotFound, $"no sweep with id '{id}' (see `pbm sweep list`)");
        var reply = await sweeps.ControlAsync(command(sweepId), ct);
        if (!reply.Changed) return Error(StatusCodes.Status409Conflict, reply.Message);
        return Results.Json(await sweeps.GetAsync(sweepId, false, ct), ApiJson.Options);
    }

    private static async Task<IResult> ExtendAsync(string id, HttpRequest request, SweepService sweeps, Artifacts.ArtifactStore store, CancellationToken ct)
    {
        var (spec, yaml, problem) = await ReadSpecAsync(request, store, ct);
        if (problem is not null) return problem;
        return await ControlAsync(id, sweeps, sweepId => new SweepCommands.ExtendSweep(sweepId, spec!, yaml), ct);
    }

    public static IResult Error(int status, string message) => Results.Json(new ApiError(message), ApiJson.Options, statusCode: status);
}
