using Atelier.Contracts.Specs;

namespace Atelier.Shared.Search;

/// <summary>
/// The Parzen estimator of a <c>values:</c> parameter in TPE: a distribution over the choices' indices,
/// smoothed towards uniform by a prior.
/// </summary>
internal sealed class Categorical
{
    private readonly double[] _probabilities;

    public Categorical(IReadOnlyList<double> probabilities)
    {
        if (probabilities.Count == 0 || probabilities.Any(p => !(p >= 0)))
            throw new ArgumentException("Probabilities must be non-empty and >= 0.");
        var total = probabilities.Sum();
        _probabilities = probabilities.Select(p => p / total).ToArray();
    }

    public IReadOnlyList<double> Probabilities => _probabilities;

    /// <summary>
    /// Optuna's rule: with n observations there are n + 1 kernels (one per observation and the prior); every kernel
    /// gives each choice priorWeight/(n + 1), an observation's kernel adds 1 to its own choice, each kernel is
    /// normalised, and the kernels are mixed by the observation weights and <paramref name="priorWeight"/>.
    /// </summary>
    public static Categorical Fit(IReadOnlyList<int> observed, IReadOnlyList<double> weights, int choices, double priorWeight)
    {
        if (observed.Count != weights.Count)
            throw new ArgumentException("One weight per observation is needed.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(choices);
        var kernels = observed.Count + 1;
        var fill = priorWeight / kernels;
        var total = weights.Sum() + priorWeight;
        var probabilities = new double[choices];
        for (var i = 0; i < observed.Count; i++)
        {
            var w = weights[i] / total / (choices * fill + 1);
            for (var c = 0; c < choices; c++)
                probabilities[c] += w * (fill + (c == observed[i] ? 1 : 0));
        }
        for (var c = 0; c < choices; c++)
            probabilities[c] += priorWeight / total / choices;
        return new Categorical(probabilities);
    }

    public int Sample(SeededRandom random) => Choose(_probabilities, random);

    public double LogPmf(int index) => StableMath.Log(_probabilities[index]);

    /// <summary>An index drawn with probability proportional to <paramref name="weights"/>.</summary>
    internal static int Choose(IReadOnlyList<double> weights, SeededRandom random)
    {
        var total = 0.0;
        foreach (var w in weights)
            total += w;
        var u = random.NextDouble() * total;
        var cumulative = 0.0;
        for (var k = 0; k < weights.Count; k++)
        {
            cumulative += weights[k];
            if (u < cumulative)
                return k;
        }
        // Rounding left u at the very top: the last index with any weight.
        for (var k = weights.Count - 1; k > 0; k--)
        {
            if (weights[k] > 0)
                return k;
        }
        return 0;
    }
}
