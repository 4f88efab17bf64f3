using Atelier.Contracts.Text;
using Atelier.Coordinator.Artifacts;
using Atelier.Coordinator.Hosting;
using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.StaticFiles;

namespace Atelier.Coordinator.Api;

/// <summary>The most bytes one input upload may have (<c>--max-input-size</c>).</summary>
public sealed record InputLimits(long MaxBytes);

/// <summary>
/// <c>POST /api/inputs</c> (a file's raw bytes, stored by content hash; answered with its <c>sha256:HEX</c>),
/// <c>GET /api/sweeps/{id}/trials/{n}/artifacts</c> and <c>GET /api/sweeps/{id}/trials/{n}/artifacts/{name}</c>
/// (a trial's files, streamed from the store). A caller never names a server path: names only select among what
/// a sweep recorded, and the store's paths are content hashes.
/// </summary>
public static class ArtifactEndpoints
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IServiceCollection AddArtifactApi(this IServiceCollection services, CoordinatorSettings settings) =>
        services.AddSingleton(new ArtifactStore(settings.ArtifactsDirectory)).AddSingleton(new InputLimits(settings.MaxInputBytes));

    public static IEndpointRouteBuilder MapArtifactEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/inputs", UploadAsync);
        app.MapGet("/api/sweeps/{id}/trials/{trial}/artifacts", ListAsync);
        app.MapGet("/api/sweeps/{id}/trials/{trial}/artifacts/{**name}", DownloadAsync);
        return app;
    }

    /// <summary>Why <paramref name="name"/> is not a plain file name, or null.</summary>
    public static string? InputNameProblem(string name)
    {
        var why = name.Length > 200 ? "it is longer than 200 characters"
            : name.Any(char.IsControl) ? "it contains control characters"
            : name.StartsWith('/') || name.StartsWith('\\') || Path.IsPathRooted(name) || (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]))
                ? "it is an absolute path"
            : name.Split('/', '\\').Any(part => part == "..") ? "it contains '..'"
            : name.Contains('/') || name.Contains('\\') ? "it names directories"
            : name is "." ? "it is not a file name"
            : null;
        return why is null ? null
            : $"input name '{name}' is refused: {why}; give a plain file name such as photo.png (the coordinator stores inputs "
              + "by content hash, never under a name or path the caller chooses)";
    }

    private static async Task<IResult> UploadAsync(HttpContext context, ArtifactStore store, InputLimits limits, string? name, string? sha256,
        CancellationToken ct)
    {
        name = string.IsNullOrEmpty(name) ? "input" : name;
        if (InputNameProblem(name) is { } problem) return SweepEndpoints.Error(StatusCodes.Status400BadRequest, problem);
        if (sha256 is not null && !SpecInputs.IsSha256(sha256))
            return SweepEndpoints.Error(StatusCodes.Status400BadRequest, $"sha256 '{sha256}' is not a SHA-256: give 64 lower-case hex digits, or leave it out");

        var limit = $"the limit is {ByteSizes.Format(limits.MaxBytes)} ({limits.MaxBytes} bytes, the coordinator's "
            + $"{CoordinatorSettings.MaxInputSizeSetting.Option} / {CoordinatorSettings.MaxInputSizeSetting.EnvironmentVariable})";
        if (context.Request.ContentLength > limits.MaxBytes)
            return SweepEndpoints.Error(StatusCodes.Status413PayloadTooLarge, $"input {name} is {context.Request.ContentLength} bytes; {limit}");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = null; // this handler counts and enforces the cap itself, past Kestrel's default

        var put = await store.PutAsync(context.Request.Body, limits.MaxBytes, sha256, ct);
        return put.Problem switch
        {
            PutProblem.TooLarge => SweepEndpoints.Error(StatusCodes.Status413PayloadTooLarge, $"input {name} is larger than allowed: {limit}"),
            PutProblem.HashMismatch => SweepEndpoints.Error(StatusCodes.Status400BadRequest,
                $"input {name} arrived damaged: its {put.Size} bytes hash to {put.Sha256}, not {sha256}; nothing was stored, upload it again"),
            _ when put.Size == 0 => SweepEndpoints.Error(StatusCodes.Status400BadRequest, $"input {name} is empty: send the file's bytes as the request body"),
            _ => Results.Json(new InputDto(name, put.Sha256!, SpecInputs.Reference(put.Sha256!), put.Size, put.Existed), ApiJson.Options,
                statusCode: put.Existed ? StatusCodes.Status200OK : StatusCodes.Status201Created),
        };
    }

    private static async Task<IResult> ListAsync(string id, string trial, SweepService sweeps, CancellationToken ct)
    {
        var (found, error) = await FindTrialAsync(id, trial, sweeps, ct);
        if (error is not null) return error;
        var artifacts = (found!.Artifacts ?? []).Select(a => new ArtifactDto(a.FileName, a.Kind, a.Size, a.Sha256, a.Step)).ToList();
        return Results.Json(new TrialArtifactsDto(id, found.Index, artifacts), ApiJson.Options);
    }

    /// <summary>The newest artifact of that name (by step), or the one whose hash <paramref name="sha256"/> gives.</summary>
    private static async Task<IResult> DownloadAsync(string id, string trial, string name, string? sha256, SweepService sweeps, ArtifactStore store,
        HttpContext context, CancellationToken ct)
    {
        var (found, error) = await FindTrialAsync(id, trial, sweeps, ct);
        if (error is not null) return error;
        var artifact = (found!.Artifacts ?? [])
            .Where(a => a.FileName == name && (sha256 is null || a.Sha256 == sha256))
            .OrderByDescending(a => a.Step)
            .FirstOrDefault();
        if (artifact is null)
        {
            return SweepEndpoints.Error(StatusCodes.Status404NotFound,
                $"trial {found.Index} of sweep {id} has no artifact '{name}'{(sha256 is null ? "" : $" with sha256 {sha256}")} "
                + $"(list them: GET /api/sweeps/{id}/trials/{found.Index}/artifacts, or pbm sweep artifacts {id} {found.Index})");
        }
        if (!store.Contains(artifact.Sha256))
            return SweepEndpoints.Error(StatusCodes.Status404NotFound, $"artifact '{name}' ({artifact.Sha256}) is recorded but missing from the store");

        context.Response.Headers["X-Atelier-Sha256"] = artifact.Sha256;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        var type = ContentTypes.TryGetContentType(name, out var known) ? known : "application/octet-stream";
        if (type.StartsWith("text/html", StringComparison.Ordinal)) type = "text/plain; charset=utf-8"; // never run a trial's file as a page of the API
        return Results.File(store.PathOf(artifact.Sha256), type, enableRangeProcessing: true,
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{artifact.Sha256}\""));
    }

    private static async Task<(TrialDto? Trial, IResult? Error)> FindTrialAsync(string id, string trial, SweepService sweeps, CancellationToken ct)
    {
        if (!SweepId.IsValid(id)) return (null, SweepEndpoints.Error(StatusCodes.Status400BadRequest, SweepId.Invalid(id)));
        if (!int.TryParse(trial, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
            return (null, SweepEndpoints.Error(StatusCodes.Status400BadRequest, $"'{trial}' is not a trial number: give the trial's index, 0 or more"));
        var sweep = await sweeps.GetAsync(new SweepId(id), false, ct);
        if (sweep is null) return (null, SweepEndpoints.Error(StatusCodes.Status404NotFound, $"no sweep with id '{id}' (see `pbm sweep list`)"));
        var found = sweep.Trials.FirstOrDefault(t => t.Index == index);
        return found is null
            ? (null, SweepEndpoints.Error(StatusCodes.Status404NotFound,
                sweep.Trials.Count == 0 ? $"sweep {id} has no trials yet" : $"sweep {id} has no trial {index}: its trials are 0 to {sweep.Trials.Count - 1}"))
            : (found, null);
    }
}
