using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli;

/// <summary>One item of a sweep's event stream: the sweep as it is now, or why the stream cannot be had.</summary>
internal sealed record SweepUpdate(SweepDto? Sweep, string Json, ClientError? Error);

/// <summary>Reads <c>GET /api/sweeps/{id}/events</c> (server-sent events).</summary>
internal static class SweepEventReader
{
    /// <summary>
    /// The updates of one connection. Ends quietly when the connection drops (the caller
    /// reconnects); yields one item with <see cref="SweepUpdate.Error"/> when the server refused.
    /// </summary>
    public static async IAsyncEnumerable<SweepUpdate> ReadAsync(
        HttpClient http, string id, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/sweeps/{Uri.EscapeDataString(id)}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException)
        {
            yield break;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                ApiError? error = null;
                try { error = JsonSerializer.Deserialize<ApiError>(body, ApiJson.Options); }
                catch (JsonException) { }
                yield return new SweepUpdate(null, body, new ClientError(
                    error?.Error ?? $"the coordinator answered {(int)response.StatusCode} to the event stream", response.StatusCode));
                yield break;
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            var data = new System.Text.StringBuilder();
            while (true)
            {
                string? line;
                try
                {
                    line = await reader.ReadLineAsync(ct);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    yield break;
                }
                if (line is null) yield break;
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Append(line.AsSpan(5).TrimStart());
                }
                else if (line.Length == 0 && data.Length > 0)
                {
                    var json = data.ToString();
                    data.Clear();
                    var sweep = JsonSerializer.Deserialize<SweepDto>(json, ApiJson.Options);
                    if (sweep is not null) yield return new SweepUpdate(sweep, json, null);
                }
                // "event:" names and ": keep-alive" comments need no handling.
            }
        }
    }
}
