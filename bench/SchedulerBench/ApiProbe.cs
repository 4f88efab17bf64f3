using System.Diagnostics;

namespace Atelier.SchedulerBench;

/// <summary>
/// What a person watching the sweep meanwhile would wait for: the sweep's API resource and its HTML report, each fetched
/// every <c>interval</c> until stopped, one after the other (a browser tab, not a load test). Rendering a large sweep's
/// report costs the coordinator CPU: a zero interval measures nothing and leaves the coordinator to the sweep.
/// </summary>
internal static class ApiProbe
{
    public sealed record Latencies(IReadOnlyList<double> Sweep, IReadOnlyList<double> Report);

    public static async Task<Latencies> RunAsync(HttpClient http, string sweepId, TimeSpan interval, CancellationToken stop)
    {
        var sweep = new List<double>();
        var report = new List<double>();
        try
        {
            while (interval > TimeSpan.Zero && !stop.IsCancellationRequested)
            {
                sweep.Add(await TimeAsync(http, $"api/sweeps/{sweepId}", stop));
                report.Add(await TimeAsync(http, $"api/sweeps/{sweepId}/report.html", stop));
                await Task.Delay(interval, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The sweep ended: what was measured so far is the answer.
        }
        return new Latencies(sweep, report);
    }

    /// <summary>Milliseconds until the whole body has arrived; a failed request fails the benchmark.</summary>
    private static async Task<double> TimeAsync(HttpClient http, string path, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead, ct);
        response.EnsureSuccessStatusCode();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
