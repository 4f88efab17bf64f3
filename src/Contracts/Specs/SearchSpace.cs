namespace Atelier.Contracts.Specs;

/// <summary>Turns a grid or random sweep spec into its list of trials (bayes suggests them one by one).</summary>
public static class SearchSpace
{
    /// <summary>The most trials one sweep may have.</summary>
    public const int MaxTrials = 10_000;

    /// <summary>
    /// The size of the full grid (the product of each parameter's number of values), saturating at
    /// <see cref="long.MaxValue"/>; run_cap is not applied.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter has a continuous distribution, which a grid cannot enumerate.</exception>
    public static long Count(SweepSpec spec) => GridSize(spec.Parameters);

    internal static long GridSize(IEnumerable<ParameterSpec> parameters)
    {
        long count = 1;
        foreach (var parameter in parameters)
        {
            try
            {
                count = checked(count * AxisSize(parameter));
            }
            catch (OverflowException)
            {
                return long.MaxValue;
            }
        }
        return count;
    }

    /// <summary>
    /// How many trials the sweep has: what <see cref="Expand"/> returns for grid and random, run_cap for bayes
    /// (whose trials are suggested one by one).
    /// </summary>
    public static long TrialCount(SweepSpec spec) => spec.Method switch
    {
        SearchMethod.Grid => spec.RunCap is { } cap ? Math.Min(cap, Count(spec)) : Count(spec),
        var method => spec.RunCap ?? throw new ArgumentException(
            $"Method {SnakeCaseNames.Of(method)} needs a run_cap.", nameof(spec)),
    };

    /// <summary>
    /// The trials of <paramref name="spec"/>. A grid is the cartesian product in spec order (the last parameter
    /// varies fastest), truncated to run_cap; random search draws run_cap trials from
    /// <see cref="SeededRandom"/>(<paramref name="seed"/>), so the same seed gives the same trials.
    /// </summary>
    /// <exception cref="ArgumentException">The spec asks for more than <see cref="MaxTrials"/> trials or cannot be expanded.</exception>
    /// <exception cref="InvalidOperationException">The method is bayes: call <c>BayesSearch.Suggest</c> for each trial.</exception>
    public static IReadOnlyList<TrialPlan> Expand(SweepSpec spec, long seed)
    {
        if (spec.Method == SearchMethod.Bayes)
        {
            throw new InvalidOperationException(
                "bayes trials are suggested one by one from the results so far: call BayesSearch.Suggest for each trial instead of expanding the sweep.");
        }
        var count = TrialCount(spec);
        if (count > MaxTrials)
            throw new ArgumentException($"The sweep would have {count} trials; at most {MaxTrials} are allowed.", nameof(spec));
        return spec.Method == SearchMethod.Grid ? ExpandGrid(spec, (int)count) : ExpandRandom(spec, (int)count, seed);
    }

    private static List<TrialPlan> ExpandGrid(SweepSpec spec, int count)
    {
        var sizes = spec.Parameters.Select(AxisSize).ToArray();
        var trials = new List<TrialPlan>(count);
        for (var index = 0; index < count; index++)
        {
            // Mixed-radix digits of the trial index, last parameter least significant.
            var digits = new long[sizes.Length];
            long rest = index;
            for (var i = sizes.Length - 1; i >= 0; i--)
            {
                digits[i] = rest % sizes[i];
                rest /= sizes[i];
            }
            var values = new Dictionary<string, ParamValue>(sizes.Length);
            for (var i = 0; i < sizes.Length; i++)
                values[spec.Parameters[i].Name] = GridValue(spec.Parameters[i], digits[i]);
            trials.Add(new TrialPlan(index, values));
        }
        return trials;
    }

    private static List<TrialPlan> ExpandRandom(SweepSpec spec, int count, long seed)
    {
        var random = new SeededRandom(seed);
        var trials = new List<TrialPlan>(count);
        for (var index = 0; index < count; index++)
            trials.Add(new TrialPlan(index, Draw(spec.Parameters, random)));
        return trials;
    }

    /// <summary>
    /// The parameters that random search gives trial <paramref name="index"/> of a sweep with <paramref name="seed"/>,
    /// whatever the spec's method: the draws of one <see cref="SeededRandom"/> stream, replayed up to that index
    /// (bayes starts with these, so random and bayes sweeps with the same seed share their first trials).
    /// </summary>
    public static IReadOnlyDictionary<string, ParamValue> RandomDraw(SweepSpec spec, long seed, int index)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var random = new SeededRandom(seed);
        for (var i = 0; i < index; i++)
            _ = Draw(spec.Parameters, random);
        return Draw(spec.Parameters, random);
    }

    private static Dictionary<string, ParamValue> Draw(IReadOnlyList<ParameterSpec> parameters, SeededRandom random)
    {
        var values = new Dictionary<string, ParamValue>(parameters.Count);
        foreach (var parameter in parameters)
            values[parameter.Name] = Sample(parameter, random);
        return values;
    }

    private static long AxisSize(ParameterSpec parameter) => parameter switch
    {
        ConstantParameter => 1,
        ValuesParameter v => v.Values.Count,
        DistributionParameter { Distribution: Distribution.IntUniform } d =>
            d.Max >= d.Min ? checked((long)d.Max - (long)d.Min + 1) : 0,
        DistributionParameter d => throw new ArgumentException(
            $"Parameter {d.Name}: a grid cannot enumerate a {SnakeCaseNames.Of(d.Distribution)} distribution."),
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter.GetType().Name, null),
    };

    private static ParamValue GridValue(ParameterSpec parameter, long digit) => parameter switch
    {
        ConstantParameter c => c.Value,
        ValuesParameter v => v.Values[(int)digit],
        DistributionParameter d => ParamValue.Of((long)d.Min + digit),
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter.GetType().Name, null),
    };

    private static ParamValue Sample(ParameterSpec parameter, SeededRandom random) => parameter switch
    {
        ConstantParameter c => c.Value,
        ValuesParameter v => v.Values[(int)random.NextInclusive(0, v.Values.Count - 1)],
        DistributionParameter { Distribution: Distribution.IntUniform } d =>
            ParamValue.Of(random.NextInclusive((long)d.Min, (long)d.Max)),
        DistributionParameter { Distribution: Distribution.LogUniformValues } d =>
            ParamValue.Of(Clamp(StableMath.Exp(Lerp(StableMath.Log(d.Min), StableMath.Log(d.Max), random.NextDouble())), d)),
        DistributionParameter d => ParamValue.Of(Clamp(Lerp(d.Min, d.Max, random.NextDouble()), d)),
        _ => throw new ArgumentOutOfRangeException(nameof(parameter), parameter.GetType().Name, null),
    };

    private static double Lerp(double min, double max, double u) => min + u * (max - min);

    // exp(log(x)) and the interpolation can land a rounding error outside the bounds.
    private static double Clamp(double x, DistributionParameter d) => Math.Clamp(x, d.Min, d.Max);
}
