using Atelier.Contracts.Jobs;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Tests.Specs.SpecTestHelpers;

namespace Atelier.Shared.Tests.Specs;

public class SearchSpaceTests
{
    private static SweepSpec Grid(int? runCap, params ParameterSpec[] parameters) =>
        new("g", "synthetic", SearchMethod.Grid, new MetricSpec("loss", MetricGoal.Minimize), parameters, runCap, 0, null, 2);

    private static SweepSpec Random(int runCap, params ParameterSpec[] parameters) =>
        Grid(runCap, parameters) with { Method = SearchMethod.Random };

    private static ValuesParameter Floats(string name, params double[] values) =>
        new(name, values.Select(ParamValue.Of).ToList());

    private static string Describe(TrialPlan t) => string.Join(",", t.Parameters.Select(p => $"{p.Key}={p.Value}"));

    [Fact]
    public void Grid_is_the_cartesian_product_with_the_last_parameter_fastest()
    {
        var spec = Grid(null, Floats("x", 0.1, 0.2), new ConstantParameter("steps", ParamValue.Of(5L)), Floats("y", 1, 2, 3));
        var trials = SearchSpace.Expand(spec, seed: 99);
        Assert.Equal(6, SearchSpace.Count(spec));
        Assert.Equal([0, 1, 2, 3, 4, 5], trials.Select(t => t.Index));
        Assert.Equal(
            ["x=0.1,steps=5,y=1", "x=0.1,steps=5,y=2", "x=0.1,steps=5,y=3", "x=0.2,steps=5,y=1", "x=0.2,steps=5,y=2", "x=0.2,steps=5,y=3"],
            trials.Select(Describe));
    }

    [Fact]
    public void Grid_is_truncated_to_run_cap()
    {
        var trials = SearchSpace.Expand(Grid(4, Floats("x", 0.1, 0.2), Floats("y", 1, 2, 3)), 0);
        Assert.Equal(["x=0.1,y=1", "x=0.1,y=2", "x=0.1,y=3", "x=0.2,y=1"], trials.Select(Describe));
        Assert.Equal(2, SearchSpace.Expand(Grid(50, Floats("x", 0.1, 0.2)), 0).Count);
    }

    [Fact]
    public void Int_uniform_in_a_grid_enumerates_min_to_max()
    {
        var trials = SearchSpace.Expand(Grid(null, new DistributionParameter("steps", Distribution.IntUniform, 2, 6)), 0);
        Assert.Equal([2L, 3L, 4L, 5L, 6L], trials.Select(t => t.Parameters["steps"].AsLong()));
        Assert.All(trials, t => Assert.Equal(ParamType.Int, t.Parameters["steps"].Kind));
    }

    [Fact]
    public void Grid_count_saturates_instead_of_overflowing()
    {
        var huge = Enumerable.Range(0, 5)
            .Select(i => (ParameterSpec)new DistributionParameter($"p{i}", Distribution.IntUniform, 0, 999_999_999))
            .ToArray();
        Assert.Equal(long.MaxValue, SearchSpace.Count(Grid(null, huge)));
        Assert.Throws<ArgumentException>(() => SearchSpace.Expand(Grid(null, huge), 0));
        Assert.Equal(3, SearchSpace.Expand(Grid(3, huge), 0).Count);
        Assert.Throws<ArgumentException>(() => SearchSpace.Count(Grid(null, new DistributionParameter("x", Distribution.Uniform, 0, 1))));
    }

    [Fact]
    public void Random_with_the_same_seed_gives_the_same_trials()
    {
        var spec = ParseValid(File.ReadAllText(Path.Combine(ExamplesDirectory(), "synthetic-random.yaml")));
        var first = SearchSpace.Expand(spec, 1);
        Assert.Equal(16, first.Count);
        Assert.Equal(RoundTrip(first), RoundTrip(SearchSpace.Expand(spec, 1)));
        Assert.NotEqual(RoundTrip(first), RoundTrip(SearchSpace.Expand(spec, 2)));
        Assert.All(first, t => Assert.Equal(["x", "y", "lr", "steps"], t.Parameters.Keys));
        Assert.All(first, t => Assert.Equal(ParamValue.Of(5L), t.Parameters["steps"]));
    }

    [Fact]
    public void Random_samples_stay_in_range_and_cover_it()
    {
        var spec = Random(1000,
            new DistributionParameter("lr", Distribution.LogUniformValues, 1e-4, 1e-1),
            new DistributionParameter("x", Distribution.Uniform, -1, 1),
            new DistributionParameter("steps", Distribution.IntUniform, 1, 5),
            new ValuesParameter("y", [ParamValue.Of(0.1), ParamValue.Of(0.2), ParamValue.Of(0.3)]));
        var trials = SearchSpace.Expand(spec, 12345);

        var lrs = trials.Select(t => t.Parameters["lr"].AsDouble()).ToList();
        Assert.All(lrs, lr => Assert.InRange(lr, 1e-4, 1e-1));
        // Log-uniform: each of the three decades gets about a third of the draws.
        var decades = lrs.GroupBy(lr => (int)Math.Floor(Math.Log10(lr))).ToDictionary(g => g.Key, g => g.Count());
        foreach (var decade in new[] { -4, -3, -2 })
            Assert.InRange(decades.GetValueOrDefault(decade), 250, 420);

        var xs = trials.Select(t => t.Parameters["x"].AsDouble()).ToList();
        Assert.All(xs, x => Assert.InRange(x, -1, 1));
        Assert.InRange(xs.Average(), -0.1, 0.1);

        var steps = trials.Select(t => t.Parameters["steps"]).ToList();
        Assert.All(steps, s => Assert.Equal(ParamType.Int, s.Kind));
        Assert.Equal([1L, 2L, 3L, 4L, 5L], steps.Select(s => s.AsLong()).Distinct().Order());

        Assert.Equal(3, trials.Select(t => t.Parameters["y"]).Distinct().Count());
    }

    [Fact]
    public void Random_needs_a_run_cap_within_the_maximum()
    {
        var uniform = new DistributionParameter("x", Distribution.Uniform, 0, 1);
        Assert.Throws<ArgumentException>(() => SearchSpace.Expand(Grid(null, uniform) with { Method = SearchMethod.Random }, 0));
        Assert.Throws<ArgumentException>(() => SearchSpace.Expand(Random(SearchSpace.MaxTrials + 1, uniform), 0));
    }

    [Fact]
    public void SplitMix64_matches_the_reference_sequence()
    {
        var random = new SeededRandom(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, random.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, random.NextUInt64());
    }

    [Fact]
    public void NextInclusive_handles_single_values_and_the_full_range()
    {
        var random = new SeededRandom(-5);
        Assert.Equal(7, random.NextInclusive(7, 7));
        _ = random.NextInclusive(long.MinValue, long.MaxValue);
        Assert.All(Enumerable.Range(0, 200), _ => Assert.InRange(random.NextInclusive(-2, 2), -2, 2));
        Assert.All(Enumerable.Range(0, 200), _ => Assert.InRange(random.NextDouble(), 0.0, 1.0 - double.Epsilon));
    }
}
