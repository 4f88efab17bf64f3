using Atelier.Shared.Search;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Tests.Search;

public class EstimatorTests
{
    [Fact]
    public void Bandwidths_follow_the_neighbour_rule_with_clipping_and_a_prior()
    {
        // Sorted with the prior's centre 5 and the bounds: 0 | 2 3 5 9 | 10. Neighbour gaps give 2→1 (the lowest uses
        // its inner neighbour only), 3→2, 9→4 (the highest likewise); the clip floor is 10/min(100, 3+2) = 2.
        var mixture = TruncatedGaussianMixture.Fit([2.0, 3, 9], [1.0, 1, 1], 0, 10, priorWeight: 1);
        Assert.Equal([2.0, 3, 9, 5], mixture.Mus);
        Assert.Equal([2.0, 2, 4, 10], mixture.Sigmas);
        Assert.Equal([0.25, 0.25, 0.25, 0.25], mixture.Weights);
    }

    [Fact]
    public void Without_observations_the_estimator_is_the_prior()
    {
        var mixture = TruncatedGaussianMixture.Fit([], [], -1, 1, priorWeight: 1);
        Assert.Equal([0.0], mixture.Mus);
        Assert.Equal([2.0], mixture.Sigmas);
    }

    [Fact]
    public void Sigmas_are_capped_at_the_range()
    {
        var mixture = TruncatedGaussianMixture.Fit([0.0], [1.0], 0, 1, priorWeight: 1);
        Assert.All(mixture.Sigmas, s => Assert.InRange(s, 1.0 / 3, 1.0));
    }

    [Fact]
    public void The_truncated_mixture_density_integrates_to_one_and_is_zero_outside()
    {
        var mixture = TruncatedGaussianMixture.Fit([0.1, 0.15, 0.9, 0.98], [1.0, 2, 1, 0.5], 0, 1, priorWeight: 1);
        const int steps = 20_000;
        var integral = 0.0;
        for (var i = 0; i < steps; i++)
            integral += Math.Exp(mixture.LogPdf((i + 0.5) / steps)) / steps;
        Assert.InRange(integral, 0.9999, 1.0001);
        Assert.Equal(double.NegativeInfinity, mixture.LogPdf(-0.01));
        Assert.Equal(double.NegativeInfinity, mixture.LogPdf(1.01));
    }

    [Fact]
    public void Samples_stay_in_bounds_and_follow_the_density()
    {
        var mixture = new TruncatedGaussianMixture([3.0, 1], [0.2, 0.8], [0.05, 0.3], 0, 1);
        var random = new SeededRandom(8);
        var samples = Enumerable.Range(0, 20_000).Select(_ => mixture.Sample(random)).ToList();
        Assert.All(samples, x => Assert.InRange(x, 0, 1));
        // Three quarters of the draws come from the narrow component around 0.2.
        Assert.InRange(samples.Count(x => Math.Abs(x - 0.2) < 0.15) / 20_000.0, 0.74, 0.80);
    }

    [Fact]
    public void Standard_normal_draws_have_mean_zero_and_variance_one()
    {
        var random = new SeededRandom(1);
        var draws = Enumerable.Range(0, 50_000).Select(_ => TruncatedGaussianMixture.StandardNormal(random)).ToList();
        Assert.InRange(draws.Average(), -0.02, 0.02);
        Assert.InRange(draws.Select(d => d * d).Average(), 0.97, 1.03);
    }

    [Fact]
    public void Categorical_estimator_smooths_counts_towards_uniform()
    {
        // Kernels: two for choice 0, one for choice 1, and the prior; each gives 1/4 to every choice before adding 1.
        var estimator = Categorical.Fit([0, 0, 1], [1.0, 1, 1], choices: 3, priorWeight: 1);
        var own = 1.25 / 1.75;
        var other = 0.25 / 1.75;
        var expected = new[]
        {
            (2 * own + other + 1.0 / 3) / 4,
            (2 * other + own + 1.0 / 3) / 4,
            (3 * other + 1.0 / 3) / 4,
        };
        for (var c = 0; c < 3; c++)
            Assert.Equal(expected[c], estimator.Probabilities[c], 12);
        Assert.Equal(1.0, estimator.Probabilities.Sum(), 12);
        Assert.Equal(Math.Log(expected[2]), estimator.LogPmf(2), 12);
        Assert.All(Categorical.Fit([], [], 4, 1).Probabilities, p => Assert.Equal(0.25, p, 12));
    }

    [Fact]
    public void Choose_follows_the_weights()
    {
        var random = new SeededRandom(4);
        var counts = new int[3];
        for (var i = 0; i < 30_000; i++)
            counts[Categorical.Choose([1.0, 0, 2], random)]++;
        Assert.Equal(0, counts[1]);
        Assert.InRange(counts[2] / 30_000.0, 0.65, 0.68);
    }

    [Fact]
    public void LogSumExp_is_stable()
    {
        Assert.Equal(Math.Log(2) - 1000, TruncatedGaussianMixture.LogSumExp([-1000.0, -1000]), 12);
        Assert.Equal(double.NegativeInfinity, TruncatedGaussianMixture.LogSumExp([double.NegativeInfinity]));
    }
}
