namespace Atelier.Contracts.Jobs;

/// <summary>The pure objective of the <c>synthetic</c> job.</summary>
public static class SyntheticObjective
{
    /// <summary>(x − 0.3)² + (y + 0.2)² + (log10(lr) + 2)²: 0 at x = 0.3, y = −0.2, lr = 0.01.</summary>
    public static double Loss(double x, double y, double lr)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lr);
        var dx = x - 0.3;
        var dy = y + 0.2;
        var dl = Math.Log10(lr) + 2;
        return dx * dx + dy * dy + dl * dl;
    }

    /// <summary>
    /// The loss reported at <paramref name="step"/> of <paramref name="steps"/>: finalLoss + (1 − step/steps),
    /// so it falls linearly and equals <paramref name="finalLoss"/> exactly at the last step.
    /// </summary>
    public static double LossAtStep(double finalLoss, int step, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(step, steps);
        return finalLoss + (1 - (double)step / steps);
    }
}
