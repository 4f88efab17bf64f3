using Atelier.Contracts.Specs;

namespace Atelier.Shared.Search;

/// <summary>
/// <c>method: bayes</c>: the Tree-structured Parzen Estimator (Bergstra et al. 2011, with Optuna's univariate
/// defaults). Pure and deterministic: the same spec, observations (in the same order), seed and index give the same
/// suggestion on every platform.
/// </summary>
public static class BayesSearch
{
    /// <summary>The share of the observations that make up the good group (at least one).</summary>
    public const double Gamma = 0.25;

    /// <summary>How many candidates are drawn from the good density per parameter.</summary>
    public const int CandidateCount = 24;

    /// <summary>The weight of the prior kernel in each Parzen estimator.</summary>
    public const double PriorWeight = 1.0;

    /// <summary>
    /// The parameters for trial <paramref name="index"/> (0-based) of a bayes sweep, given the finished trials so far.
    /// While <paramref name="index"/> &lt; <see cref="StartupTrials"/>, or fewer than that many trials have finished,
    /// it is exactly random search's draw for that index (<see cref="SearchSpace.RandomDraw"/>). Afterwards the
    /// observations are split into the best <see cref="Gamma"/> (good) and the rest (bad); per parameter, Parzen
    /// estimators l (good) and g (bad) are fitted, <see cref="CandidateCount"/> candidates are drawn from l, and the one
    /// with the largest l(x)/g(x) is suggested. Constants pass through; the result is in spec order.
    /// </summary>
    /// <param name="observed">Finished trials, oldest first; an observation lacking a parameter, or whose value is
    /// outside the parameter's current range or values, is ignored for that parameter only.</param>
    /// <param name="seed">The sweep's seed.</param>
    public static IReadOnlyDictionary<string, ParamValue> Suggest(
        SweepSpec spec, IReadOnlyList<Observation> observed, long seed, int index)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var startup = StartupTrials(spec);
        if (index < startup || observed.Count < startup)
            return SearchSpace.RandomDraw(spec, seed, index);

        var (good, bad) = Split(observed.Select(o => o.Value).ToList(), spec.Metric.Goal, Gamma);
        var goodObservations = good.Select(i => observed[i]).ToList();
        var badObservations = bad.Select(i => observed[i]).ToList();
        var random = new SeededRandom(SuggestionSeed(seed, index));
        var result = new Dictionary<string, ParamValue>(spec.Parameters.Count);
        foreach (var parameter in spec.Parameters)
        {
            result[parameter.Name] = parameter switch
            {
                ConstantParameter c => c.Value,
                ValuesParameter v => SuggestValue(v, goodObservations, badObservations, random),
                DistributionParameter d => SuggestNumber(d, goodObservations, badObservations, random),
                _ => throw new ArgumentOutOfRangeException(nameof(spec), parameter.GetType().Name, "Unknown parameter form."),
            };
        }
        return result;
    }

    /// <summary>
    /// How many trials start as random draws: max(5, min(10, run_cap / 5)) (10 without a run_cap).
    /// </summary>
    public static int StartupTrials(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.RunCap is { } cap ? Math.Max(5, Math.Min(10, cap / 5)) : 10;
    }

    /// <summary>
    /// Indices of the good (best ⌈γ·n⌉, at least one) and bad (the rest) observations, each in their original order.
    /// Ties keep the earlier observation first; NaN ranks worst.
    /// </summary>
    internal static (List<int> Good, List<int> Bad) Split(IReadOnlyList<double> values, MetricGoal goal, double gamma)
    {
        var n = values.Count;
        var goodCount = n == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(gamma * n));
        var ranked = Enumerable.Range(0, n).OrderBy(i => Goals.Key(values[i], goal)).ThenBy(i => i).ToList();
        var good = ranked.Take(goodCount).Order().ToList();
        var bad = ranked.Skip(goodCount).Order().ToList();
        return (good, bad);
    }

    /// <summary>
    /// Optuna's default observation weights, oldest first: all 1 below 25 observations; beyond, the 25 newest weigh 1
    /// and the older ones ramp linearly from 1/n up to 1.
    /// </summary>
    internal static double[] ObservationWeights(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        const int flat = 25;
        var weights = new double[n];
        Array.Fill(weights, 1.0);
        var ramp = n - flat;
        if (ramp == 1)
            weights[0] = 1.0 / n;
        else if (ramp > 1)
        {
            var start = 1.0 / n;
            var step = (1.0 - start) / (ramp - 1);
            for (var i = 0; i < ramp - 1; i++)
                weights[i] = start + i * step;
        }
        return weights;
    }

    /// <summary>A seed for one suggestion, mixed from the sweep's seed and the trial index.</summary>
    internal static long SuggestionSeed(long seed, int index)
    {
        var hashed = new SeededRandom(seed).NextUInt64();
        return unchecked((long)new SeededRandom(unchecked((long)(hashed ^ (ulong)index))).NextUInt64());
    }

    private static ParamValue SuggestValue(
        ValuesParameter parameter, List<Observation> good, List<Observation> bad, SeededRandom random)
    {
        var choices = parameter.Values.Count;
        Categorical Fit(List<Observation> group)
        {
            var indices = new List<int>();
            foreach (var o in group)
            {
                if (o.Parameters.TryGetValue(parameter.Name, out var value) && IndexOf(parameter.Values, value) is var at and >= 0)
                    indices.Add(at);
            }
            return Categorical.Fit(indices, ObservationWeights(indices.Count), choices, PriorWeight);
        }

        var l = Fit(good);
        var g = Fit(bad);
        var best = -1;
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < CandidateCount; c++)
        {
            var candidate = l.Sample(random);
            var score = l.LogPmf(candidate) - g.LogPmf(candidate);
            if (best < 0 || score > bestScore)
                (best, bestScore) = (candidate, score);
        }
        return parameter.Values[best];
    }

    private static ParamValue SuggestNumber(
        DistributionParameter parameter, List<Observation> good, List<Observation> bad, SeededRandom random)
    {
        var space = NumericSpace.Of(parameter);
        TruncatedGaussianMixture Fit(List<Observation> group)
        {
            var points = new List<double>();
            foreach (var o in group)
            {
                if (o.Parameters.TryGetValue(parameter.Name, out var value) && space.ToModel(value) is { } x)
                    points.Add(x);
            }
            return TruncatedGaussianMixture.Fit(points, ObservationWeights(points.Count), space.Low, space.High, PriorWeight);
        }

        var l = Fit(good);
        var g = Fit(bad);
        var best = double.NaN;
        var bestScore = double.NegativeInfinity;
        for (var c = 0; c < CandidateCount; c++)
        {
            var candidate = space.Snap(l.Sample(random));
            var score = l.LogPdf(candidate) - g.LogPdf(candidate);
            if (double.IsNaN(best) || score > bestScore)
                (best, bestScore) = (candidate, score);
        }
        return space.FromModel(best);
    }

    private static int IndexOf(IReadOnlyList<ParamValue> values, ParamValue value)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] == value)
                return i;
        }
        return -1;
    }
}
