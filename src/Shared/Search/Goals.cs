using Atelier.Contracts.Specs;

namespace Atelier.Shared.Search;

/// <summary>Comparisons of metric values under a goal; NaN is worse than every number.</summary>
internal static class Goals
{
    /// <summary>A sort key where smaller is better: the value to minimise, the negated value to maximise, +∞ for NaN.</summary>
    public static double Key(double value, MetricGoal goal) =>
        double.IsNaN(value) ? double.PositiveInfinity : goal == MetricGoal.Minimize ? value : -value;

    /// <summary>Whether <paramref name="a"/> is strictly worse than <paramref name="b"/> (NaN is worse than any number).</summary>
    public static bool IsWorse(double a, double b, MetricGoal goal)
    {
        if (double.IsNaN(a))
            return !double.IsNaN(b);
        return !double.IsNaN(b) && Key(a, goal) > Key(b, goal);
    }

    /// <summary>The better of two values.</summary>
    public static double Better(double a, double b, MetricGoal goal) => IsWorse(a, b, goal) ? b : a;
}
