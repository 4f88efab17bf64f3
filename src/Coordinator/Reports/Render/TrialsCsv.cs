using System.Globalization;
using System.Text;
using Atelier.Coordinator.Reports.Model;
using Atelier.Contracts.Api;

namespace Atelier.Coordinator.Reports.Render;

/// <summary>
/// <c>trials.csv</c> (RFC 4180, UTF-8, comma separated, a header row): <c>trial, status</c>, one column per parameter
/// (<c>param.NAME</c> when a metric has its name), one per metric (the sweep's first; <c>metric.NAME</c> when a column of the trial's own has its name), then <c>attempts, started_at, finished_at, run_seconds, last_step, error</c>.
/// Numbers in invariant round-trip form; empty where a trial has no value.
/// </summary>
public static class TrialsCsv
{
    public static readonly IReadOnlyList<string> Tail = ["attempts", "started_at", "finished_at", "run_seconds", "last_step", "error"];

    public static string Write(SweepReport report)
    {
        var parameters = report.Parameters.Select(p => p.Name).ToList();
        var metrics = MetricColumns(report);
        var csv = new StringBuilder();
        var metricNames = metrics.ToHashSet(StringComparer.Ordinal);
        Row(csv, ["trial", "status", .. parameters.Select(p => TrialColumnNames.Parameter(p, metricNames)), .. metrics.Select(m => TrialColumnNames.Metric(m, Own)), .. Tail]);
        foreach (var t in report.Trials)
        {
            Row(csv,
            [
                t.Index.ToString(CultureInfo.InvariantCulture), Charts.Name(t.Status),
                .. parameters.Select(p => t.Parameters.TryGetValue(p, out var v) ? v.ToString() : ""),
                .. metrics.Select(m => t.Metrics.TryGetValue(m, out var v) ? Number(v) : ""),
                t.Attempts.ToString(CultureInfo.InvariantCulture),
                t.StartedAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? "",
                t.FinishedAt?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) ?? "",
                t.RunSeconds is { } r ? Number(r) : "",
                t.LastStep?.ToString(CultureInfo.InvariantCulture) ?? "",
                t.Error ?? "",
            ]);
        }
        return csv.ToString();
    }

    /// <summary>The columns of the trial's own (not its parameters or metrics).</summary>
    public static readonly IReadOnlyList<string> Own = ["trial", "status", .. Tail];

    /// <summary>The sweep's metric, then every other metric in the order the trials first report them.</summary>
    public static IReadOnlyList<string> MetricColumns(SweepReport report) =>
        report.Trials.SelectMany(t => t.Metrics.Keys).Prepend(report.Sweep.Metric.Name).Distinct().ToList();

    public static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static void Row(StringBuilder csv, IEnumerable<string> fields)
    {
        csv.AppendJoin(',', fields.Select(Quote)).Append("\r\n");
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
}
