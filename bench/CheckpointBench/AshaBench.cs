using System.Globalization;
using Atelier.Contracts.Api;
using Atelier.Testing;

namespace Atelier.CheckpointBench;

/// <summary>
/// ASHA's saved trial time: the same 32-trial <c>synthetic</c> grid (x × y × lr, every trial <c>steps</c> steps of
/// <c>step_seconds</c>, the stand-in for GPU time) run without and with <c>early_terminate: {type: hyperband, min_iter: 3,
/// eta: 3}</c> on one coordinator and two workers of two slots.
/// </summary>
internal static class AshaBench
{
    public static async Task<AshaResult> RunAsync(double stepSeconds, int steps, TextWriter output, CancellationToken ct)
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { Name = "asha-bench", Workers = 2, SlotsPerWorker = 2 }, ct);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"asha: 32 trials × {steps} steps × {stepSeconds} s on 4 slots; load average {Stats.LoadAverage():0.0}"));
        var plain = await RunSweepAsync(cluster, "none", null, stepSeconds, steps, output, ct);
        var asha = await RunSweepAsync(cluster, "hyperband", "early_terminate: {type: hyperband, min_iter: 3, eta: 3}", stepSeconds, steps, output, ct);
        var result = new AshaResult("asha", stepSeconds, steps, plain, asha,
            1 - asha.TrialSeconds / plain.TrialSeconds, 1 - asha.WallSeconds / plain.WallSeconds,
            asha.BestParameters == plain.BestParameters);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  ASHA saved {result.SavedTrialTime:P0} of the trial time and {result.SavedWallTime:P0} of the wall time; same best trial: {result.SameBest}"));
        return result;
    }

    private static async Task<AshaSweep> RunSweepAsync(LocalCluster cluster, string label, string? earlyTerminate, double stepSeconds, int steps,
        TextWriter output, CancellationToken ct)
    {
        var spec = string.Create(CultureInfo.InvariantCulture, $$"""
            name: asha-bench-{{label}}
            job: synthetic
            method: grid
            metric: {name: loss, goal: minimize}
            {{earlyTerminate ?? ""}}
            parameters:
              x: {values: [-0.5, 0.0, 0.3, 0.8]}
              y: {values: [-0.9, -0.2, 0.3, 0.7]}
              lr: {values: [0.001, 0.01]}
              steps: {value: {{steps}}}
              step_seconds: {value: {{stepSeconds}}}
            """);
        var id = (await cluster.SubmitAsync(spec, ct)).Id;
        await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(30), s => s.Counts.Pending == 0 && s.Counts.Running == 0 && s.FinishedAt is not null,
            $"sweep {label} to end", cancellationToken: ct, interval: TimeSpan.FromSeconds(1));
        var sweep = (await cluster.GetSweepAsync(id, history: true, cancellationToken: ct))!;
        var trialSeconds = sweep.Trials.Sum(t => (t.FinishedAt!.Value - t.StartedAt!.Value).TotalSeconds);
        var stepsRun = sweep.Trials.Sum(t => t.History?.Count ?? 0);
        var wall = (sweep.FinishedAt!.Value - sweep.CreatedAt).TotalSeconds;
        var best = sweep.Best!;
        var result = new AshaSweep(label, id, sweep.Counts, trialSeconds, stepsRun, stepsRun * stepSeconds, wall,
            Describe(best), best.Metrics["loss"],
            sweep.Trials.Where(t => t.Status == TrialStatus.Stopped).GroupBy(t => t.LastStep ?? 0).OrderBy(g => g.Key)
                .ToDictionary(g => g.Key.ToString(CultureInfo.InvariantCulture), g => g.Count()));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {label,-9}: {sweep.Counts.Completed} completed, {sweep.Counts.Stopped} stopped; trial time {trialSeconds:0.0} s ({stepsRun} steps = {result.StepSeconds:0.0} s of steps); " +
            $"wall {wall:0.0} s; best {result.BestParameters} loss {result.BestLoss:0.0000}; stopped at steps {string.Join(", ", result.StoppedAtStep.Select(p => $"{p.Key}: {p.Value}"))}"));
        return result;
    }

    private static string Describe(TrialDto trial) =>
        string.Join(" ", trial.Parameters.Where(p => p.Key is "x" or "y" or "lr").OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value.AsDouble().ToString(CultureInfo.InvariantCulture)}"));
}

internal sealed record AshaSweep(string Label, string Id, TrialCountsDto Counts, double TrialSeconds, int StepsRun, double StepSeconds, double WallSeconds,
    string BestParameters, double BestLoss, IReadOnlyDictionary<string, int> StoppedAtStep);

internal sealed record AshaResult(string Mode, double StepSecondsEach, int Steps, AshaSweep Plain, AshaSweep Asha, double SavedTrialTime, double SavedWallTime, bool SameBest);
