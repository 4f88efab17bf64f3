using System.Globalization;

namespace Atelier.SchedulerBench;

/// <summary>Percentiles of a sample (nearest rank), in milliseconds.</summary>
internal sealed record Stats(int Count, double P50, double P90, double P99, double Max)
{
    public static Stats Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN);
        return new Stats(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.90), Rank(sorted, 0.99), sorted[^1]);
    }

    // Nearest rank: the smallest value with at least p of the sample at or below it.
    private static double Rank(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    public string Row(string label) => string.Create(CultureInfo.InvariantCulture,
        $"  {label,-34} {Count,6} {P50,9:0.0} {P90,9:0.0} {P99,9:0.0} {Max,9:0.0}");
}
