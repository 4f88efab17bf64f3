using Atelier.Contracts.Jobs;
using Atelier.Shared.Search;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Tests.Search;

/// <summary>Specs and sequential search loops on the synthetic objective.</summary>
internal static class SearchTestData
{
    public static SweepSpec Synthetic(SearchMethod method, int runCap, MetricGoal goal = MetricGoal.Minimize) =>
        new("s", "synthetic", method, new MetricSpec("loss", goal),
        [
            new DistributionParameter("x", Distribution.Uniform, -1, 1),
            new DistributionParameter("y", Distribution.Uniform, -1, 1),
            new DistributionParameter("lr", Distribution.LogUniformValues, 1e-5, 1),
        ], runCap, 0, null, 2);

    public static double Loss(IReadOnlyDictionary<string, ParamValue> p) =>
        SyntheticObjective.Loss(p["x"].AsDouble(), p["y"].AsDouble(), p["lr"].AsDouble());

    /// <summary>The losses of <paramref name="trials"/> sequential bayes trials (each sees all earlier results).</summary>
    public static List<double> RunBayes(SweepSpec spec, long seed, int trials, Func<double, double>? report = null)
    {
        var observed = new List<Observation>();
        var losses = new List<double>();
        for (var i = 0; i < trials; i++)
        {
            var parameters = BayesSearch.Suggest(spec, observed, seed, i);
            var loss = Loss(parameters);
            losses.Add(loss);
            observed.Add(new Observation(parameters, report is null ? loss : report(loss)));
        }
        return losses;
    }

    public static List<double> RunRandom(SweepSpec spec, long seed) =>
        SearchSpace.Expand(spec with { Method = SearchMethod.Random }, seed).Select(t => Loss(t.Parameters)).ToList();
}
