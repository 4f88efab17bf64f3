using System.Globalization;
using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;

namespace Atelier.Cli;

/// <summary>Which metrics a trial table shows: the default few, all of them, or a list the user gave.</summary>
internal sealed record MetricChoice(IReadOnlyList<string>? Listed = null, bool All = false)
{
    public static readonly MetricChoice Default = new();
}

/// <summary>
/// The columns of a sweep's trial table: the parameters whose value differs between trials (the others are the sweep's
/// fixed settings, shown once above the table), then the metrics chosen. A parameter that shares its name with a metric
/// is headed <c>param.NAME</c>, as in the report and in trials.csv.
/// </summary>
internal sealed record TrialColumns(IReadOnlyList<string> Varying, IReadOnlyList<string> Fixed, IReadOnlyList<string> Metrics, IReadOnlySet<string> MetricNames)
{
    /// <summary>The columns for <paramref name="sweep"/>, or an error naming the unknown metrics of a <c>--metrics</c> list and the known ones.</summary>
    public static (TrialColumns? Columns, string? Error) For(SweepDto sweep, MetricChoice choice)
    {
        var trials = sweep.Trials;
        var parameters = trials.SelectMany(t => t.Parameters.Keys).Distinct().ToList();
        bool Varies(string p) => trials.Select(t => t.Parameters.TryGetValue(p, out var v) ? v.ToString() : null).Distinct().Count() > 1;
        var known = trials.SelectMany(t => t.Metrics.Keys).Prepend(sweep.Metric.Name).Distinct().ToList();

        IReadOnlyList<string> metrics;
        if (choice.Listed is { } listed)
        {
            var unknown = listed.Where(m => !known.Contains(m)).ToList();
            if (unknown.Count > 0)
                return (null, $"this sweep has no metric {CommandCatalog.Or(unknown)}; its metrics are: {string.Join(", ", known.Order(StringComparer.Ordinal))}");
            metrics = listed.Distinct().ToList();
        }
        else if (choice.All) metrics = known;
        else metrics = TrialColumnNames.MainMetrics(sweep.Job, sweep.Metric.Name, known);
        return (new TrialColumns(parameters.Where(Varies).ToList(), parameters.Where(p => !Varies(p)).ToList(), metrics,
            known.ToHashSet(StringComparer.Ordinal)), null);
    }

    /// <summary>The heading of parameter <paramref name="name"/> (<see cref="TrialColumnNames.Parameter"/>).</summary>
    public string ParameterHeading(string name) => TrialColumnNames.Parameter(name, MetricNames);

    /// <summary>The fixed settings as <c>name=value</c> pairs, long values shortened (content hashes, paths).</summary>
    public string FixedText(SweepDto sweep)
    {
        if (Fixed.Count == 0) return "(none: every parameter varies)";
        var first = sweep.Trials[0].Parameters;
        return string.Join(", ", Fixed.Select(p => $"{ParameterHeading(p)}={Shorten(first.TryGetValue(p, out var v) ? Format.Value(v) : Format.None)}"));
    }

    private static string Shorten(string value) => value.Length <= 24 ? value : value[..20] + "…";
}

/// <summary>Numbers of one table column, written alike: plainly, or all in scientific notation when any needs it.</summary>
internal static class NumberColumn
{
    public static IReadOnlyList<string> Format(IReadOnlyList<double?> values)
    {
        var scientific = values.Any(v => v is { } x && x != 0 && (Math.Abs(x) >= 1e6 || Math.Abs(x) < 1e-4));
        return values.Select(v => v is not { } x ? Cli.Format.None
            : scientific && x != 0 ? x.ToString("0.##e+0", CultureInfo.InvariantCulture)
            : Cli.Format.Number(x)).ToList();
    }
}
