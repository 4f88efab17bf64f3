using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Integration.Tests;

/// <summary>What the synthetic job must have computed, worked out here independently of the cluster.</summary>
internal static class Expect
{
    // The synthetic job's documented defaults, for parameters a spec leaves out.
    private const double DefaultX = 0.0;
    private const double DefaultY = 0.0;
    private const double DefaultLr = 0.001;

    /// <summary>(x − 0.3)² + (y + 0.2)² + (log10(lr) + 2)² of the trial's own parameters.</summary>
    public static double Loss(TrialDto trial)
    {
        var x = Parameter(trial, "x", DefaultX);
        var y = Parameter(trial, "y", DefaultY);
        var lr = Parameter(trial, "lr", DefaultLr);
        return Math.Pow(x - 0.3, 2) + Math.Pow(y + 0.2, 2) + Math.Pow(Math.Log10(lr) + 2, 2);
    }

    /// <summary>Every trial completed, with the loss of its own parameters (to 1e-9).</summary>
    public static void AllCompletedWithCorrectLoss(SweepDto sweep, int trials)
    {
        Assert.Equal(SweepStatus.Completed, sweep.Status);
        Assert.Equal(trials, sweep.Trials.Count);
        Assert.Equal(Enumerable.Range(0, trials), sweep.Trials.Select(t => t.Index).Order());
        Assert.Equal(new TrialCountsDto(trials, 0, 0, trials, 0), sweep.Counts);
        Assert.NotNull(sweep.FinishedAt);
        foreach (var trial in sweep.Trials)
        {
            Assert.True(trial.Status == TrialStatus.Completed, $"trial {trial.Index} is {trial.Status}: {trial.Error}");
            Assert.True(trial.Metrics.TryGetValue("loss", out var loss), $"trial {trial.Index} has no loss: {Json(trial)}");
            Assert.Equal(Loss(trial), loss, 1e-9);
            Assert.True(trial.Attempts >= 1, $"trial {trial.Index} completed with {trial.Attempts} attempts");
            Assert.NotNull(trial.StartedAt);
            Assert.NotNull(trial.FinishedAt);
        }
    }

    /// <summary>The sweep's best trial is the one with the smallest expected loss.</summary>
    public static void BestIsSmallestLoss(SweepDto sweep)
    {
        var expected = sweep.Trials.MinBy(Loss)!;
        Assert.NotNull(sweep.Best);
        Assert.Equal(expected.Index, sweep.Best.Index);
        Assert.Equal(Loss(expected), sweep.Best.Metrics["loss"], 1e-9);
    }

    /// <summary>
    /// Every trial's history (the sweep fetched with <c>?history=true</c>) has a value for each step 1..<paramref name="steps"/>,
    /// also a trial resumed from a checkpoint: a checkpoint becomes a resume point only once the metrics up to its step
    /// are recorded, so no step is missing whatever died in between.
    /// </summary>
    public static void EveryStepRecorded(SweepDto sweep, int steps)
    {
        foreach (var trial in sweep.Trials)
        {
            Assert.True(trial.History is not null, $"trial {trial.Index} came without history (fetch with history=true)");
            var missing = Enumerable.Range(1, steps).Select(s => (long)s).Except(trial.History.Select(p => p.Step)).ToList();
            Assert.True(missing.Count == 0, $"trial {trial.Index} ({trial.Attempts} attempts) has no value for steps {string.Join(", ", missing)}");
        }
    }

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, ApiJson.Options);

    private static double Parameter(TrialDto trial, string name, double fallback) =>
        trial.Parameters.TryGetValue(name, out var value) ? value.AsDouble() : fallback;
}
