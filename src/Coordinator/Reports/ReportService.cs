using System.Collections.Concurrent;
using Atelier.Coordinator.Api;
using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Reports;

/// <summary>A report, or (<see cref="Problem"/>) why there is none: the sweep, or the trial asked for, does not exist.</summary>
public sealed record ReportAnswer(ReportFiles? Files, string? Problem)
{
    public static ReportAnswer Missing(string problem) => new(null, problem);
}

/// <summary>
/// Serves a sweep's report. A live report is rendered on request (shared by requests within
/// <see cref="LiveReuse"/>); a finished sweep's final report is rendered once, kept, and written to
/// <c>DATA-DIR/reports/ID/</c> (report.html, report.json, trials.csv).
/// </summary>
public sealed class ReportService(SweepService sweeps, ReportRenderer renderer, string reportsDirectory, TimeProvider? clock = null)
{
    /// <summary>How long a live report is reused before it is rendered again.</summary>
    public static readonly TimeSpan LiveReuse = TimeSpan.FromSeconds(2);

    /// <summary>How many rendered reports are kept in memory.</summary>
    public const int MaxCached = 32;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Cached> _cache = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();

    public string ReportsDirectory { get; } = Path.GetFullPath(reportsDirectory);

    /// <summary>
    /// The report of sweep <paramref name="id"/> with trial <paramref name="views"/>'s layer views (null: the best
    /// trial's), or why there is none: no such sweep, or no such trial. A report for a requested trial is kept under its
    /// own key and never written to disk, so the default report is never one of them.
    /// </summary>
    public async Task<ReportAnswer> GetAsync(SweepId id, int? views, CancellationToken ct)
    {
        var gate = _locks.GetOrAdd(id.Value, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var summary = await sweeps.GetAsync(id, includeHistory: false, ct);
            if (summary is null) return ReportAnswer.Missing($"no sweep with id '{id.Value}' (see `pbm sweep list`)");
            if (views is { } n && summary.Trials.All(t => t.Index != n))
            {
                return ReportAnswer.Missing(summary.Trials.Count == 0
                    ? $"sweep {id.Value} has no trials yet: no trial {n} to show the layer views of"
                    : $"sweep {id.Value} has no trial {n}: its trials are 0 to {summary.Trials.Max(t => t.Index)} (see `pbm sweep show {id.Value}`)");
            }
            var key = views is { } v ? $"{id.Value}?views={v}" : id.Value;
            var now = _clock.GetUtcNow();
            var signature = Signature(summary);
            if (_cache.TryGetValue(key, out var cached) && cached.Signature == signature
                && (cached.Files.Model.Final || now - cached.At < LiveReuse))
                return new ReportAnswer(cached.Files, null);

            var sweep = await sweeps.GetAsync(id, includeHistory: true, ct);
            if (sweep is null) return ReportAnswer.Missing($"no sweep with id '{id.Value}' (see `pbm sweep list`)");
            var files = await Task.Run(() => renderer.Render(sweep, now, views), ct);
            if (_cache.Count >= MaxCached) _cache.Clear();
            _cache[key] = new Cached(Signature(sweep), now, files);
            if (files.Model.Final && views is null) Save(id, files);
            return new ReportAnswer(files, null);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Writes the final report's files under <see cref="ReportsDirectory"/>/ID.</summary>
    private void Save(SweepId id, ReportFiles files)
    {
        try
        {
            var dir = Path.Combine(ReportsDirectory, id.Value);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "report.html"), files.Html);
            File.WriteAllText(Path.Combine(dir, "report.json"), files.Json);
            File.WriteAllText(Path.Combine(dir, "trials.csv"), files.Csv);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Serving the report matters more than the copy on disk.
        }
    }

    private static string Signature(SweepDto s) => $"{s.Status}|{s.FinishedAt:O}|{s.Counts}";

    private sealed record Cached(string Signature, DateTimeOffset At, ReportFiles Files);
}
