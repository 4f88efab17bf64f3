using System.Net;
using System.Text.Json;

namespace Atelier.GpuWorker.Artifacts;

/// <summary>
/// Sends an upload's bytes as the body of one HTTP PUT to the URL the coordinator gave with the offer's answer
/// (<see cref="Shared.Protocol.ArtifactProtocol.UploadTo.Url"/>): several times faster than chunks over remoting. A
/// worker that cannot connect there (the API listens on loopback only, a network policy) falls back to remoting.
/// </summary>
public sealed class HttpUpload
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        // A dropped SYN must not hold a checkpoint for minutes before the fallback.
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    })
    {
        // The coordinator gives an upload up after 10 minutes (ArtifactIngest.UploadTimeout).
        Timeout = TimeSpan.FromMinutes(10),
    };

    /// <summary>How the PUT ended.</summary>
    /// <param name="Connected">False when no byte left: the caller may send them another way.</param>
    /// <param name="Error">Null when the coordinator has stored the bytes (whether the sweep recorded them it says when asked).</param>
    public readonly record struct Outcome(bool Connected, string? Error);

    public async Task<Outcome> PutAsync(string url, string path, long size, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync: true);
        using var content = new FileBody(file, size);
        try
        {
            using var response = await _client.PutAsync(url, content, ct);
            if (response.IsSuccessStatusCode) return new Outcome(true, null);
            return new Outcome(true, $"the coordinator refused the bytes ({(int)response.StatusCode}): {await ErrorOf(response, ct)}");
        }
        catch (Exception e) when (!content.Started && !ct.IsCancellationRequested && e is HttpRequestException or OperationCanceledException)
        {
            return new Outcome(false, $"cannot reach {new Uri(url).GetLeftPart(UriPartial.Authority)}: {e.Message}");
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException)
        {
            return new Outcome(true, $"the upload's bytes were cut off: {e.Message}");
        }
    }

    private static async Task<string> ErrorOf(HttpResponseMessage response, CancellationToken ct)
    {
        var body = await response.Content.ReadAsStringAsync(ct);
        try
        {
            return JsonDocument.Parse(body).RootElement.GetProperty("error").GetString() ?? body;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    /// <summary>The file as the request body, read in 1 MiB blocks; <see cref="Started"/> once the first is asked for.</summary>
    private sealed class FileBody(FileStream file, long size) : HttpContent
    {
        public bool Started { get; private set; }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
        {
            Started = true;
            await file.CopyToAsync(stream, 1 << 20, ct);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = size;
            return true;
        }
    }
}
