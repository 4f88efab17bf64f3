using System.Globalization;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Search;

/// <summary>
/// <c>early_terminate</c>: asynchronous successive halving (hyperband, Li et al. 2018) and the median stopping rule
/// (Golovin et al. 2017, Google Vizier). Pure: the decision is a function of the metric history alone.
/// </summary>
public static class EarlyStopping
{
    /// <summary>
    /// Whether trial <paramref name="trialIndex"/> must stop after reporting its metric at <paramref name="step"/>;
    /// null to continue.
    /// <para><b>hyperband</b>: rungs are min_iter·eta^k (not above max_iter). A trial is judged at a rung by the first
    /// step it reports at or past it; if one report jumps over several rungs, only the highest is judged, and the ones
    /// skipped are never judged for that trial. It continues if its value there is among the best ⌊n/eta⌋ of the n
    /// values recorded at that rung so far (every trial judged there, itself included, stopped ones too); ties
    /// continue, and with fewer than eta values recorded it continues (asynchronous: nobody waits for a full rung).</para>
    /// <para><b>median</b>: from step min_iter on, at every report, it stops if its best value so far is strictly worse
    /// than the median of the other trials' running averages up to <paramref name="step"/> (the mean of their
    /// values at steps ≤ step), counting only trials that have reported a step ≥ <paramref name="step"/>; it needs
    /// at least min_trials of them.</para>
    /// NaN values count as the worst.
    /// </summary>
    /// <param name="history">Every trial of the sweep: trial index → (step → metric value), including the evaluated
    /// trial's values up to <paramref name="step"/>.</param>
    /// <param name="metricName">The metric's name, for the reason text.</param>
    /// <exception cref="ArgumentException">The history has no value of the trial at <paramref name="step"/>.</exception>
    public static StopDecision? Evaluate(
        EarlyTerminateSpec spec, MetricGoal goal, int trialIndex, long step,
        IReadOnlyDictionary<int, IReadOnlyDictionary<long, double>> history, string metricName = "metric")
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(history);
        if (!history.TryGetValue(trialIndex, out var own) || !own.ContainsKey(step))
            throw new ArgumentException($"The history has no value of trial {trialIndex} at step {step}.", nameof(history));
        return spec.Type switch
        {
            EarlyTerminateType.Hyperband => Hyperband(spec, goal, trialIndex, step, history, metricName),
            EarlyTerminateType.Median => Median(spec, goal, trialIndex, step, history, metricName),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Type, null),
        };
    }

    /// <summary>The hyperband rungs up to <paramref name="upTo"/>: min_iter·eta^k, and not above max_iter.</summary>
    public static IReadOnlyList<long> Rungs(EarlyTerminateSpec spec, long upTo)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var limit = spec.MaxIter is { } max ? Math.Min(max, upTo) : upTo;
        var rungs = new List<long>();
        for (long rung = spec.MinIter; rung <= limit; rung *= spec.Eta)
        {
            rungs.Add(rung);
            if (rung > long.MaxValue / spec.Eta)
                break;
        }
        return rungs;
    }

    /// <summary>
    /// The rung judged at a report of <paramref name="step"/> when the trial's previous report was
    /// <paramref name="previousStep"/> (null for none): the highest rung in (previousStep, step], or null.
    /// </summary>
    public static long? RungAt(EarlyTerminateSpec spec, long? previousStep, long step)
    {
        var rungs = Rungs(spec, step);
        if (rungs.Count == 0)
            return null;
        var rung = rungs[^1];
        return previousStep is { } previous && previous >= rung ? null : rung;
    }

    private static StopDecision? Hyperband(
        EarlyTerminateSpec spec, MetricGoal goal, int trialIndex, long step,
        IReadOnlyDictionary<int, IReadOnlyDictionary<long, double>> history, string metricName)
    {
        var own = history[trialIndex];
        if (RungAt(spec, PreviousStep(own, step), step) is not { } rung)
            return null;
        var value = own[step];

        // Every trial judged at this rung so far: its value at the first step it reported at or past the rung,
        // provided that report did not also pass the next rung (then it was judged there instead).
        var next = rung <= long.MaxValue / spec.Eta ? rung * spec.Eta : long.MaxValue;
        var judgedAtNext = spec.MaxIter is { } max && next > max ? long.MaxValue : next;
        var recorded = new List<double>();
        foreach (var (index, steps) in history.OrderBy(t => t.Key))
        {
            if (index == trialIndex)
            {
                recorded.Add(value);
                continue;
            }
            if (FirstStepAtOrAfter(steps, rung) is { } first && first < judgedAtNext)
                recorded.Add(steps[first]);
        }

        var n = recorded.Count;
        if (n < spec.Eta)
            return null;
        var keep = n / spec.Eta;
        var cutoff = recorded.OrderBy(v => Goals.Key(v, goal)).ElementAt(keep - 1);
        if (!Goals.IsWorse(value, cutoff, goal))
            return null;
        return new StopDecision(rung,
            $"hyperband: {metricName} {Format(value)} at rung {rung} is not in the top 1/{spec.Eta} of {n} trials (cut-off {Format(cutoff)})");
    }

    private static StopDecision? Median(
        EarlyTerminateSpec spec, MetricGoal goal, int trialIndex, long step,
        IReadOnlyDictionary<int, IReadOnlyDictionary<long, double>> history, string metricName)
    {
        if (step < spec.MinIter)
            return null;
        var best = double.NaN;
        foreach (var (s, v) in history[trialIndex])
        {
            if (s <= step)
                best = Goals.Better(best, v, goal);
        }

        var averages = new List<double>();
        foreach (var (index, steps) in history.OrderBy(t => t.Key))
        {
            if (index == trialIndex || steps.Count == 0 || steps.Keys.Max() < step)
                continue;
            var (sum, count) = (0.0, 0);
            foreach (var (_, v) in steps.Where(kv => kv.Key <= step).OrderBy(kv => kv.Key))
            {
                sum += v;
                count++;
            }
            if (count > 0)
                averages.Add(sum / count);
        }
        if (averages.Count < spec.MinTrials)
            return null;

        var median = MedianOf(averages, goal);
        if (!Goals.IsWorse(best, median, goal))
            return null;
        return new StopDecision(step,
            $"median: best {metricName} {Format(best)} by step {step} is worse than the median {Format(median)} "
            + $"of {averages.Count} other trials' running averages");
    }

    /// <summary>The middle value, or the mean of the two middle values; NaN averages sort last.</summary>
    internal static double MedianOf(IReadOnlyList<double> values, MetricGoal goal)
    {
        var sorted = values.OrderBy(v => Goals.Key(v, goal)).ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static long? PreviousStep(IReadOnlyDictionary<long, double> steps, long step)
    {
        long? previous = null;
        foreach (var s in steps.Keys)
        {
            if (s < step && (previous is null || s > previous))
                previous = s;
        }
        return previous;
    }

    private static long? FirstStepAtOrAfter(IReadOnlyDictionary<long, double> steps, long rung)
    {
        long? first = null;
        foreach (var s in steps.Keys)
        {
            if (s >= rung && (first is null || s < first))
                first = s;
        }
        return first;
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
