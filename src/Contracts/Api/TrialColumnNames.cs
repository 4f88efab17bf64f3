using Atelier.Contracts.Jobs;

namespace Atelier.Contracts.Api;

/// <summary>
/// How a sweep's trials are laid out as columns wherever they are tabulated (<c>pbm sweep show</c>, the report's
/// tables, <c>trials.csv</c>), so that they read the same everywhere. In JSON a trial's parameters and metrics are
/// objects of their own; a table has one row of headings, so a parameter named like a metric is headed
/// <c>param.NAME</c> (the CIFAR job's parameter <c>epochs</c> beside its metric <c>epochs</c>).
/// </summary>
public static class TrialColumnNames
{
    public const string ParameterPrefix = "param.";

    /// <summary>Besides the sweep's metric, how many of the job's main metrics a compact table shows.</summary>
    public const int MainMetricCount = 4;

    public const string MetricPrefix = "metric.";

    /// <summary>
    /// The heading of metric <paramref name="name"/> in a table with columns of its own (trial, status, attempts…):
    /// <c>metric.NAME</c> when one of them has that name (style-transfer reports a metric <c>last_step</c>).
    /// </summary>
    public static string Metric(string name, IReadOnlyCollection<string> ownColumns) => ownColumns.Contains(name) ? MetricPrefix + name : name;

    /// <summary>The heading of parameter <paramref name="name"/>: <c>param.NAME</c> when a metric has the same name.</summary>
    public static string Parameter(string name, IReadOnlySet<string> metrics) => metrics.Contains(name) ? ParameterPrefix + name : name;

    /// <summary>
    /// The sweep's metric, then up to <see cref="MainMetricCount"/> of the job's main metrics (in the order its definition
    /// lists them) that the trials reported.
    /// </summary>
    public static IReadOnlyList<string> MainMetrics(string job, string sweepMetric, IEnumerable<string> reported)
    {
        var known = reported.ToHashSet(StringComparer.Ordinal);
        var jobMetrics = JobCatalog.TryGet(job, out var definition) ? definition.Metrics : [];
        return jobMetrics.Where(known.Contains).Prepend(sweepMetric).Distinct().Take(1 + MainMetricCount).ToList();
    }
}
