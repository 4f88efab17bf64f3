using Akka.Actor;
using Akka.Hosting;
using Atelier.Coordinator.Artifacts;
using Atelier.Shared.Protocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Atelier.Coordinator.Api;

/// <summary>
/// <c>PUT /artifacts/uploads/{id}</c>: the bytes of an upload a worker offered over remoting, as one request body, written
/// and hashed as they come (memory stays two 1 MiB buffers, whatever the size). Outside <c>/api</c>, so no bearer token:
/// the id is the capability, 128 random bits the coordinator gave only to the uploader
/// (<see cref="ArtifactProtocol.UploadTo.Url"/>). The answer
/// says whether the bytes arrived, matched the offer (size, SHA-256) and are in the store, or why not; whether the sweep
/// recorded them the uploader asks over remoting, as for a streamed upload.
/// </summary>
public static class UploadBytesEndpoint
{
    private const int BufferSize = 1 << 20;

    /// <summary>
    /// Kestrel reads every connection of this coordinator, not only uploads, in 64 KiB blocks
    /// (<see cref="LargeBlockMemoryPool"/>), not 4 KiB: checkpoint bodies arrive at hundreds of MB/s.
    /// </summary>
    public static IServiceCollection AddLargeKestrelBlocks(this IServiceCollection services) =>
        services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPool.Factory>();

    public static IEndpointRouteBuilder MapUploadBytesEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPut(ArtifactIngest.UploadPath + "{id}", PutAsync);
        return app;
    }

    private static async Task<IResult> PutAsync(string id, HttpContext context, IRequiredActor<ArtifactIngest> ingest, CancellationToken ct)
    {
        var claim = await ingest.ActorRef.Ask<object>(new ArtifactIngest.ClaimUpload(id), SweepService.AskTimeout, ct);
        if (claim is not ArtifactIngest.UploadClaimed claimed)
            return SweepEndpoints.Error(StatusCodes.Status404NotFound, ((ArtifactProtocol.UploadResult)claim).Error ?? "unknown upload");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = null; // the offer's size is the cap, checked below as the bytes come

        string? error = "the request ended before its bytes were written";
        try
        {
            error = await WriteAsync(context.Request, claimed, ct);
        }
        finally
        {
            // Whatever happened, the claimed upload ends now, not when it expires.
            ingest.ActorRef.Tell(new ArtifactIngest.Arrived(id, ArtifactIngest.ByteRoute.Http, error));
        }
        return error is null ? Results.NoContent()
            : SweepEndpoints.Error(ArtifactStore.IsStoreFault(error) ? StatusCodes.Status500InternalServerError : StatusCodes.Status400BadRequest, error);
    }

    /// <summary>
    /// The body into the claimed temporary file, then into the store (<see cref="ArtifactIngest.StoreUpload"/>): null, or why
    /// not. Two buffers: while one is hashed and written (on the thread pool, the other core), the next fills from the
    /// socket.
    /// </summary>
    private static async Task<string?> WriteAsync(HttpRequest request, ArtifactIngest.UploadClaimed claimed, CancellationToken ct)
    {
        var size = claimed.Artifact.Size;
        if (request.ContentLength is { } declared && declared != size)
            return $"the request has {declared} bytes; the offer said {size}";
        byte[][] buffers = [new byte[BufferSize], new byte[BufferSize]];
        var writer = new HashingFileWriter(claimed.TempFile);
        var writing = Task.CompletedTask;
        try
        {
            long received = 0;
            for (var i = 0; ; i ^= 1)
            {
                var read = await request.Body.ReadAtLeastAsync(buffers[i], BufferSize, throwOnEndOfStream: false, ct);
                received += read;
                try
                {
                    await writing;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return ArtifactStore.CouldNotKeep(e);
                }
                if (read == 0) break;
                if (received > size) return $"the request has more than the {size} bytes the offer said";
                var chunk = buffers[i].AsMemory(0, read);
                writing = Task.Run(async () => await writer.WriteAsync(chunk), ct);
            }
            return ArtifactIngest.StoreUpload(claimed.Store, writer, claimed.TempFile, claimed.Artifact);
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException or UnauthorizedAccessException)
        {
            return $"the upload's bytes did not arrive: {e.Message}";
        }
        finally
        {
            // A write still running (the body failed meanwhile) must end before the file is closed and discarded.
            await writing.ContinueWith(_ => { }, TaskScheduler.Default);
            writer.Dispose();
        }
    }
}
