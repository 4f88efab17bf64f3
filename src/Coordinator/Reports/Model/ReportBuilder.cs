using Atelier.Contracts.Api;
using Atelier.Contracts.Jobs;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Reports.Model;

/// <summary>How much of a large sweep the pictures show.</summary>
public sealed record ReportLimits
{
    /// <summary>Trials that get a progress strip; beyond it only the best ones do.</summary>
    public int MaxStrips { get; init; } = 40;

    /// <summary>Frames per progress strip (evenly chosen previews, then the result).</summary>
    public int MaxFramesPerStrip { get; init; } = 8;
}

/// <summary>Builds a <see cref="SweepReport"/> from the API's view of a sweep (with its trials' histories). Pure.</summary>
public static class ReportBuilder
{
    /// <param name="views">The trial whose layer views to show; null: the best trial's.</param>
    public static SweepReport Build(SweepDto sweep, DateTimeOffset now, ReportLimits? limits = null, int? views = null)
    {
        limits ??= new ReportLimits();
        var spec = SweepSpecParser.Parse(sweep.SpecYaml).Spec;
        var parameters = ParameterAxes.Describe(spec, sweep.Trials);
        var trials = sweep.Trials.OrderBy(t => t.Index).Select(t => Trial(sweep, t, now)).ToList();
        var counts = sweep.Counts;
        var (savedSeconds, savedSteps) = TimeAccounting.Saved(trials);
        var best = sweep.Best?.Index;
        var bestValue = best is { } b ? trials.First(t => t.Index == b).Value : null;
        var finished = sweep.Status is SweepStatus.Completed or SweepStatus.Cancelled;
        var summary = new ReportSummary(
            new TrialCounts(counts.Total, counts.Pending, counts.Running, counts.Completed, counts.Failed, counts.Cancelled, counts.Stopped),
            TimeAccounting.GpuSeconds(trials, spec?.DevicesPerTrial ?? 1), savedSeconds, savedSteps, bestValue,
            ((sweep.FinishedAt ?? now) - sweep.CreatedAt).TotalSeconds);
        var better = Better(sweep.Metric);
        return new SweepReport(
            SweepReport.CurrentSchemaVersion, now, finished,
            new ReportSweep(sweep.Id, sweep.Name, sweep.Job, sweep.Method, sweep.Metric, sweep.Status, sweep.CreatedAt, sweep.FinishedAt, sweep.SpecYaml),
            summary, best, parameters, trials,
            sweep.Job == StyleTransferJobDefinition.Kind ? StyleSections.Build(parameters, trials, better, limits) : null,
            sweep.Job == CifarVgg19JobDefinition.Kind ? CifarSections.Build(parameters, trials, best) : null,
            LayerViewSections.Build(trials, best, views));
    }

    /// <summary>Orders trials best first by the sweep's metric; trials without a value last, then by index.</summary>
    public static IComparer<ReportTrial> Better(MetricSpec metric) => Comparer<ReportTrial>.Create((a, b) =>
    {
        if (a.Value is { } x && b.Value is { } y && x != y)
            return metric.Goal == MetricGoal.Minimize ? x.CompareTo(y) : y.CompareTo(x);
        if (a.Value.HasValue != b.Value.HasValue) return a.Value.HasValue ? -1 : 1;
        return a.Index.CompareTo(b.Index);
    });

    private static ReportTrial Trial(SweepDto sweep, TrialDto t, DateTimeOffset now) => new(
        t.Index, t.Status, t.Parameters, Finite(t.Metrics),
        t.Metrics.TryGetValue(sweep.Metric.Name, out var v) && double.IsFinite(v) ? v : null,
        t.Attempts, t.StartedAt, t.FinishedAt,
        TimeAccounting.RunSeconds(t, now),
        t.LastStep ?? (t.History is { Count: > 0 } h ? h.Max(p => p.Step) : null),
        TimeAccounting.PlannedSteps(sweep.Job, t.Parameters),
        t.Error,
        (t.History ?? []).Select(p => new MetricPoint(p.Step, Finite(p.Values))).ToList(),
        t.Artifacts ?? []);

    /// <summary>JSON has no NaN or infinity: a value a job reported as such is left out.</summary>
    private static IReadOnlyDictionary<string, double> Finite(IReadOnlyDictionary<string, double> values) =>
        values.Values.All(double.IsFinite) ? values : values.Where(kv => double.IsFinite(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value);
}
