namespace Atelier.GpuWorker.Jobs.Cifar;

/// <summary>
/// The learning rate as a pure function of the position in training, so that a resumed run needs only the
/// epoch to continue the schedule exactly. <c>step</c> matches PyTorch's <c>MultiStepLR</c> stepped once per
/// epoch; <c>cosine</c> anneals per step from lr to 0 (<c>CosineAnnealingLR</c>, T_max = all steps);
/// <c>onecycle</c> is <c>OneCycleLR</c> (pct_start 0.3, div_factor 25, final_div_factor 1e4, cosine).
/// </summary>
public sealed record LrSchedule(string Kind, double BaseLr, IReadOnlyList<int> Milestones, double Gamma, int Epochs, int StepsPerEpoch)
{
    public const double OneCyclePctStart = 0.3;
    public const double OneCycleDivFactor = 25;
    public const double OneCycleFinalDivFactor = 1e4;

    public static LrSchedule From(CifarOptions o, int stepsPerEpoch) =>
        new(o.Schedule, o.Lr, o.LrMilestones, o.LrGamma, o.Epochs, stepsPerEpoch);

    private long TotalSteps => (long)Epochs * StepsPerEpoch;

    /// <summary>The rate for batch <paramref name="step"/> (0-based) of epoch <paramref name="epoch"/> (0-based).</summary>
    public double At(int epoch, int step)
    {
        switch (Kind)
        {
            case "step":
                return BaseLr * Math.Pow(Gamma, Milestones.Count(m => m <= epoch));
            case "cosine":
            {
                var t = (double)((long)epoch * StepsPerEpoch + step) / Math.Max(1, TotalSteps);
                return BaseLr * 0.5 * (1 + Math.Cos(Math.PI * t));
            }
            case "onecycle":
            {
                var initial = BaseLr / OneCycleDivFactor;
                var final = initial / OneCycleFinalDivFactor;
                var current = (double)((long)epoch * StepsPerEpoch + step);
                var warmupEnd = OneCyclePctStart * TotalSteps - 1;
                var end = TotalSteps - 1.0;
                return current <= warmupEnd
                    ? Anneal(initial, BaseLr, warmupEnd <= 0 ? 1 : current / warmupEnd)
                    : Anneal(BaseLr, final, end <= warmupEnd ? 1 : (current - warmupEnd) / (end - warmupEnd));
            }
            default:
                throw new JobParameterException($"parameter schedule = '{Kind}': must be one of step, cosine, onecycle");
        }
    }

    /// <summary>Cosine interpolation from <paramref name="from"/> (pct 0) to <paramref name="to"/> (pct 1).</summary>
    private static double Anneal(double from, double to, double pct) => to + (from - to) / 2 * (Math.Cos(Math.PI * pct) + 1);
}
