using Atelier.Contracts.Specs;

namespace Atelier.Shared.Search;

/// <summary>
/// A weighted mixture of Gaussians truncated to [<see cref="Low"/>, <see cref="High"/>]: the Parzen estimator of
/// one numeric parameter in TPE. Every component is renormalised to its mass inside the bounds.
/// </summary>
internal sealed class TruncatedGaussianMixture
{
    private const double HalfLog2Pi = 0.91893853320467274178;
    private const int MaxRejections = 1000;

    private readonly double[] _weights;
    private readonly double[] _mus;
    private readonly double[] _sigmas;
    private readonly double[] _logNormalizers; // log(w_k) − log(σ_k) − ½log(2π) − log(mass of k inside the bounds)

    public TruncatedGaussianMixture(IReadOnlyList<double> weights, IReadOnlyList<double> mus, IReadOnlyList<double> sigmas, double low, double high)
    {
        if (weights.Count == 0 || weights.Count != mus.Count || weights.Count != sigmas.Count)
            throw new ArgumentException("weights, mus and sigmas must be non-empty and of the same length.");
        if (!(low < high) || !double.IsFinite(low) || !double.IsFinite(high))
            throw new ArgumentException($"The bounds [{low}, {high}] must be finite with low < high.");
        if (weights.Any(w => !(w >= 0) || !double.IsFinite(w)) || sigmas.Any(s => !(s > 0) || !double.IsFinite(s)))
            throw new ArgumentException("weights must be finite and >= 0, sigmas finite and > 0.");
        var total = weights.Sum();
        if (!(total > 0))
            throw new ArgumentException("At least one weight must be > 0.");

        Low = low;
        High = high;
        _weights = weights.Select(w => w / total).ToArray();
        _mus = mus.ToArray();
        _sigmas = sigmas.ToArray();
        _logNormalizers = new double[_weights.Length];
        for (var k = 0; k < _weights.Length; k++)
        {
            var mass = StableMath.NormalMass((low - _mus[k]) / _sigmas[k], (high - _mus[k]) / _sigmas[k]);
            _logNormalizers[k] = StableMath.Log(_weights[k]) - StableMath.Log(_sigmas[k]) - HalfLog2Pi - StableMath.Log(mass);
        }
    }

    public double Low { get; }

    public double High { get; }

    /// <summary>The normalised component weights.</summary>
    public IReadOnlyList<double> Weights => _weights;

    public IReadOnlyList<double> Mus => _mus;

    public IReadOnlyList<double> Sigmas => _sigmas;

    /// <summary>
    /// The Parzen estimator of <paramref name="observations"/> with Optuna's univariate rules (consider_prior,
    /// consider_magic_clip, no consider_endpoints): each kernel's σ is the larger distance to its neighbours among
    /// the sorted observations, the prior's centre and the bounds (the outermost use their inner neighbour only),
    /// clipped to [(high − low) / min(100, n + 2), high − low]; a prior kernel N((low + high)/2, high − low) with
    /// weight <paramref name="priorWeight"/> is added.
    /// </summary>
    public static TruncatedGaussianMixture Fit(
        IReadOnlyList<double> observations, IReadOnlyList<double> weights, double low, double high, double priorWeight)
    {
        if (observations.Count != weights.Count)
            throw new ArgumentException("One weight per observation is needed.");
        var n = observations.Count;
        var range = high - low;
        var priorMu = 0.5 * (low + high);

        // Observations and the prior's centre, sorted (ties by position, so the result never depends on sort stability).
        var points = observations.Append(priorMu).ToArray();
        var order = Enumerable.Range(0, n + 1).OrderBy(i => points[i]).ThenBy(i => i).ToArray();
        var withEnds = new double[n + 3];
        withEnds[0] = low;
        for (var i = 0; i <= n; i++)
            withEnds[i + 1] = points[order[i]];
        withEnds[n + 2] = high;

        var sortedSigmas = new double[n + 1];
        for (var i = 0; i <= n; i++)
            sortedSigmas[i] = Math.Max(withEnds[i + 1] - withEnds[i], withEnds[i + 2] - withEnds[i + 1]);
        if (n >= 1)
        {
            sortedSigmas[0] = withEnds[2] - withEnds[1];
            sortedSigmas[n] = withEnds[n + 1] - withEnds[n];
        }

        var minSigma = range / Math.Min(100.0, n + 2);
        var mus = new double[n + 1];
        var sigmas = new double[n + 1];
        for (var i = 0; i <= n; i++)
        {
            var at = order[i];
            sigmas[at] = Math.Clamp(sortedSigmas[i], minSigma, range);
        }
        for (var i = 0; i < n; i++)
            mus[i] = observations[i];
        mus[n] = priorMu;
        sigmas[n] = range;
        return new TruncatedGaussianMixture(weights.Append(priorWeight).ToArray(), mus, sigmas, low, high);
    }

    /// <summary>One draw: a component by weight, then a Gaussian draw from it, redrawn until inside the bounds.</summary>
    public double Sample(SeededRandom random)
    {
        var k = Categorical.Choose(_weights, random);
        // Every component's centre lies within the bounds and σ <= high − low, so at least 34% of its mass is inside.
        for (var attempt = 0; attempt < MaxRejections; attempt++)
        {
            var x = _mus[k] + _sigmas[k] * StandardNormal(random);
            if (x >= Low && x <= High)
                return x;
        }
        return Math.Clamp(_mus[k], Low, High);
    }

    /// <summary>The log of the mixture's density at <paramref name="x"/>; −∞ outside the bounds.</summary>
    public double LogPdf(double x)
    {
        if (!(x >= Low && x <= High))
            return double.NegativeInfinity;
        var terms = new double[_weights.Length];
        for (var k = 0; k < terms.Length; k++)
        {
            var z = (x - _mus[k]) / _sigmas[k];
            terms[k] = _logNormalizers[k] - 0.5 * z * z;
        }
        return LogSumExp(terms);
    }

    /// <summary>A standard normal draw by Marsaglia's polar method (only log and sqrt, both platform-exact here).</summary>
    internal static double StandardNormal(SeededRandom random)
    {
        while (true)
        {
            var u = 2 * random.NextDouble() - 1;
            var v = 2 * random.NextDouble() - 1;
            var s = u * u + v * v;
            if (s > 0 && s < 1)
                return u * Math.Sqrt(-2 * StableMath.Log(s) / s);
        }
    }

    internal static double LogSumExp(IReadOnlyList<double> terms)
    {
        var max = terms.Max();
        if (double.IsNegativeInfinity(max))
            return max;
        var sum = 0.0;
        foreach (var t in terms)
            sum += StableMath.Exp(t - max);
        return max + StableMath.Log(sum);
    }
}
