using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary>Why a request to the coordinator did not give a result; <see cref="Message"/> says what to do.</summary>
/// <param name="Status">The HTTP status, when the coordinator answered.</param>
internal sealed record ClientError(string Message, HttpStatusCode? Status = null, IReadOnlyList<ApiErrorDetail>? Details = null);

/// <summary>A DTO with the JSON it was read from, or an error.</summary>
internal sealed record ApiResult<T>(T? Value, string Json, ClientError? Error)
    where T : class
{
    public static ApiResult<T> Fail(ClientError error) => new(null, "", error);
}

/// <summary>The coordinator's HTTP API as typed calls. Never throws for network or server trouble.</summary>
internal sealed class CoordinatorClient : IDisposable
{
    /// <summary>How long one request may take, connection included.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private const int SnippetLength = 200;
    private readonly HttpClient _http;

    public CoordinatorClient(Uri server, HttpMessageHandler? handler = null, string? token = null)
    {
        Server = server;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = server;
        _http.Timeout = Timeout;
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("pbm", Pbm.Version));
        if (!string.IsNullOrWhiteSpace(token))
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
    }

    /// <summary>The coordinator's base URL.</summary>
    public Uri Server { get; }

    /// <summary>The configured client, for streams that read past <see cref="Timeout"/> (headers come first).</summary>
    internal HttpClient Http => _http;

    private string ServerText => ServerAddress.Display(Server);

    /// <summary><c>POST /api/sweeps</c> with the spec's YAML as the body.</summary>
    public Task<ApiResult<SubmitSweepResponse>> SubmitAsync(string yaml, CancellationToken ct) =>
        SendAsync<SubmitSweepResponse>(() => new HttpRequestMessage(HttpMethod.Post, "api/sweeps")
        {
            Content = new StringContent(yaml, Encoding.UTF8, "application/yaml"),
        }, ct);

    /// <summary><c>POST /api/inputs?name=NAME&amp;sha256=HEX</c> with the file's bytes as the body (streamed).</summary>
    public Task<ApiResult<InputDto>> UploadInputAsync(string path, string name, string sha256, CancellationToken ct) =>
        SendAsync<InputDto>(() => new HttpRequestMessage(HttpMethod.Post,
            $"api/inputs?name={Uri.EscapeDataString(name)}&sha256={sha256}")
        {
            Content = new StreamContent(File.OpenRead(path))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream") },
            },
        }, ct);

    /// <summary><c>GET /api/sweeps/{id}/trials/{trial}/artifacts</c>.</summary>
    public Task<ApiResult<SweepLogDto>> LogsAsync(string id, int? trial, CancellationToken ct) =>
        SendAsync<SweepLogDto>(() => new HttpRequestMessage(HttpMethod.Get,
            $"api/sweeps/{Uri.EscapeDataString(id)}/logs{(trial is { } t ? $"?trial={t}" : "")}"), ct);

    public Task<ApiResult<TrialArtifactsDto>> ArtifactsAsync(string id, int trial, CancellationToken ct) =>
        SendAsync<TrialArtifactsDto>(() => new HttpRequestMessage(HttpMethod.Get,
            $"api/sweeps/{Uri.EscapeDataString(id)}/trials/{trial}/artifacts"), ct);

    /// <summary>
    /// <c>GET /api/sweeps/{id}/trials/{trial}/artifacts/{name}?sha256=HEX</c> into <paramref name="target"/>; null when
    /// the bytes arrived whole, else the error (the target is not written then).
    /// </summary>
    public async Task<ClientError?> DownloadArtifactAsync(string id, int trial, ArtifactDto artifact, string target, CancellationToken ct)
    {
        var path = string.Join('/', artifact.Name.Split('/').Select(Uri.EscapeDataString));
        var temp = $"{target}.{Guid.NewGuid():N}.part";
        try
        {
            using var response = await _http.GetAsync(
                $"api/sweeps/{Uri.EscapeDataString(id)}/trials/{trial}/artifacts/{path}?sha256={artifact.Sha256}",
                HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
                return ErrorOf(response, await response.Content.ReadAsStringAsync(ct));
            using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            long size = 0;
            await using (var body = await response.Content.ReadAsStreamAsync(ct))
            await using (var file = File.Create(temp))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await body.ReadAsync(buffer, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    size += read;
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != artifact.Sha256 || size != artifact.Size)
                return new ClientError($"{artifact.Name} arrived damaged: {size} bytes with SHA-256 {actual}, expected {artifact.Size} bytes with {artifact.Sha256}; nothing was written, try again");
            File.Move(temp, target, overwrite: true);
            return null;
        }
        catch (HttpRequestException e)
        {
            return Unreachable(Reason(e));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ClientError($"the coordinator at {ServerText} stopped sending {artifact.Name}: retry");
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>A text file of the API, e.g. <c>api/sweeps/{id}/report.html</c>: its text, or the error.</summary>
    public async Task<(string? Text, ClientError? Error)> GetTextAsync(string path, CancellationToken ct)
    {
        try
        {
            using var response = await _http.GetAsync(path, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.IsSuccessStatusCode ? (body, null) : (null, ErrorOf(response, body));
        }
        catch (HttpRequestException e)
        {
            return (null, Unreachable(Reason(e)));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, new ClientError($"the coordinator at {ServerText} did not answer within {Timeout.TotalSeconds:0} s: it may be overloaded or still starting; retry, or check --server"));
        }
    }

    /// <summary><c>GET /api/sweeps</c>.</summary>
    public Task<ApiResult<List<SweepSummaryDto>>> ListAsync(CancellationToken ct) =>
        SendAsync<List<SweepSummaryDto>>(() => new HttpRequestMessage(HttpMethod.Get, "api/sweeps"), ct);

    /// <summary><c>GET /api/sweeps/{id}[?history=true]</c>.</summary>
    public Task<ApiResult<SweepDto>> GetAsync(string id, bool history, CancellationToken ct) =>
        SendAsync<SweepDto>(() => new HttpRequestMessage(HttpMethod.Get,
            $"api/sweeps/{Uri.EscapeDataString(id)}{(history ? "?history=true" : "")}"), ct);

    /// <summary><c>POST /api/sweeps/{id}/cancel</c>.</summary>
    public Task<ApiResult<SweepDto>> CancelAsync(string id, CancellationToken ct) =>
        SendAsync<SweepDto>(() => new HttpRequestMessage(HttpMethod.Post, $"api/sweeps/{Uri.EscapeDataString(id)}/cancel"), ct);

    /// <summary><c>POST /api/sweeps/{id}/pause</c>: the paused sweep, or the coordinator's refusal (409).</summary>
    public Task<ApiResult<SweepDto>> PauseAsync(string id, CancellationToken ct) =>
        SendAsync<SweepDto>(() => new HttpRequestMessage(HttpMethod.Post, $"api/sweeps/{Uri.EscapeDataString(id)}/pause"), ct);

    /// <summary><c>POST /api/sweeps/{id}/resume</c>: the resumed sweep, or the coordinator's refusal (409).</summary>
    public Task<ApiResult<SweepDto>> ResumeAsync(string id, CancellationToken ct) =>
        SendAsync<SweepDto>(() => new HttpRequestMessage(HttpMethod.Post, $"api/sweeps/{Uri.EscapeDataString(id)}/resume"), ct);

    /// <summary><c>POST /api/sweeps/{id}/extend</c> with the spec's YAML as the body: the extended sweep, or the refusal.</summary>
    public Task<ApiResult<SweepDto>> ExtendAsync(string id, string yaml, CancellationToken ct) =>
        SendAsync<SweepDto>(() => new HttpRequestMessage(HttpMethod.Post, $"api/sweeps/{Uri.EscapeDataString(id)}/extend")
        {
            Content = new StringContent(yaml, Encoding.UTF8, "application/yaml"),
        }, ct);

    /// <summary><c>GET /api/cluster</c>.</summary>
    public Task<ApiResult<ClusterDto>> ClusterAsync(CancellationToken ct) =>
        SendAsync<ClusterDto>(() => new HttpRequestMessage(HttpMethod.Get, "api/cluster"), ct);

    /// <summary><c>POST /api/cluster/leave</c> with <c>{"address": …}</c>.</summary>
    public Task<ApiResult<ClusterActionDto>> LeaveAsync(string address, CancellationToken ct) =>
        SendAsync<ClusterActionDto>(() => PostAddress("api/cluster/leave", address), ct);

    /// <summary><c>POST /api/cluster/down</c> with <c>{"address": …}</c>.</summary>
    public Task<ApiResult<ClusterActionDto>> DownAsync(string address, CancellationToken ct) =>
        SendAsync<ClusterActionDto>(() => PostAddress("api/cluster/down", address), ct);

    /// <summary><c>GET /api/workers</c>.</summary>
    public Task<ApiResult<List<WorkerDto>>> WorkersAsync(CancellationToken ct) =>
        SendAsync<List<WorkerDto>>(() => new HttpRequestMessage(HttpMethod.Get, "api/workers"), ct);

    /// <summary><c>POST /api/workers/drain</c> with <c>{"address": …}</c>.</summary>
    public Task<ApiResult<DrainDto>> DrainAsync(string address, CancellationToken ct) =>
        SendAsync<DrainDto>(() => PostAddress("api/workers/drain", address), ct);

    private static HttpRequestMessage PostAddress(string path, string address) => new(HttpMethod.Post, path)
    {
        Content = new StringContent(JsonSerializer.Serialize(new AddressRequest(address), ApiJson.Options), Encoding.UTF8, "application/json"),
    };

    private async Task<ApiResult<T>> SendAsync<T>(Func<HttpRequestMessage> request, CancellationToken ct)
        where T : class
    {
        try
        {
            using var message = request();
            using var response = await _http.SendAsync(message, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.IsSuccessStatusCode ? Read<T>(response, body) : ApiResult<T>.Fail(ErrorOf(response, body));
        }
        catch (HttpRequestException e)
        {
            return ApiResult<T>.Fail(Unreachable(Reason(e)));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ApiResult<T>.Fail(new ClientError(
                $"the coordinator at {ServerText} did not answer within {Timeout.TotalSeconds:0} s: it may be overloaded or still starting; retry, or check --server"));
        }
    }

    private ApiResult<T> Read<T>(HttpResponseMessage response, string body)
        where T : class
    {
        if (NotJson(response, body) is { } notCoordinator) return ApiResult<T>.Fail(notCoordinator);
        try
        {
            if (JsonSerializer.Deserialize<T>(body, ApiJson.Options) is { } value)
                return new ApiResult<T>(value, body, null);
        }
        catch (JsonException e)
        {
            return ApiResult<T>.Fail(new ClientError(
                $"the coordinator at {ServerText} answered {Describe(response)} with JSON that pbm does not understand ({e.Message}): are pbm and the coordinator the same version?",
                response.StatusCode));
        }
        catch (NotSupportedException e)
        {
            return ApiResult<T>.Fail(new ClientError(
                $"the coordinator at {ServerText} answered {Describe(response)} with JSON that pbm does not understand ({e.Message})",
                response.StatusCode));
        }
        return ApiResult<T>.Fail(new ClientError(
            $"the coordinator at {ServerText} answered {Describe(response)} with an empty body: is --server the Atelier coordinator?",
            response.StatusCode));
    }

    private ClientError ErrorOf(HttpResponseMessage response, string body)
    {
        ApiError? error = null;
        try
        {
            error = JsonSerializer.Deserialize<ApiError>(body, ApiJson.Options);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
        }

        if (error is { Error.Length: > 0 })
            return new ClientError(error.Error, response.StatusCode, error.Details);
        if (NotJson(response, body) is { } notCoordinator) return notCoordinator;

        var snippet = Format.Truncate(body, SnippetLength);
        return new ClientError(
            $"the coordinator at {ServerText} answered {Describe(response)}" +
            (snippet.Length > 0 ? $": {snippet}" : " with no explanation") +
            (response.StatusCode == HttpStatusCode.NotFound ? " (is --server the Atelier coordinator?)" : ""),
            response.StatusCode);
    }

    /// <summary>
    /// An answer that is not JSON (a web page, plain text) comes from something other than the coordinator, whose every
    /// answer is JSON: say so, rather than fail to parse it.
    /// </summary>
    private ClientError? NotJson(HttpResponseMessage response, string body)
    {
        var type = response.Content.Headers.ContentType?.MediaType;
        if (type is not null && type.Contains("json", StringComparison.OrdinalIgnoreCase)) return null;
        if (type is null && (body.Length == 0 || body.TrimStart() is ['{', ..] or ['[', ..])) return null;
        var what = body.TrimStart().StartsWith('<') ? "a web page" : type is null ? "something that is not JSON" : type;
        return new ClientError(
            $"the server at {ServerText} answered {Describe(response)} with {what}, not the coordinator's JSON: is --server the Atelier coordinator's API (default port 9110)?",
            response.StatusCode);
    }

    private ClientError Unreachable(string reason) => new(
        $"cannot reach the coordinator at {ServerText} ({reason}): is it running? start it with dotnet run --project src/Coordinator, or pass --server");

    private static string Describe(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {response.ReasonPhrase ?? response.StatusCode.ToString()}".TrimEnd();

    private static string Reason(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network unreachable",
                    SocketError.ConnectionReset => "connection reset",
                    _ => socket.Message,
                };
            }
        }

        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "host not found",
            HttpRequestError.SecureConnectionError => "TLS handshake failed: is it https?",
            HttpRequestError.ResponseEnded => "the connection closed before the answer was complete",
            HttpRequestError.InvalidResponse => "the answer was not HTTP",
            _ => Format.Truncate(e.Message, SnippetLength),
        };
    }

    public void Dispose() => _http.Dispose();
}
