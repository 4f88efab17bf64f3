using System.Diagnostics;
using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Contracts.Jobs;

namespace Atelier.Testing.Chaos;

/// <summary>
/// What an uninterrupted run of one trial reports: each step's metrics and the final metrics, or, for a run that diverged
/// (a NaN or infinite metric: the trial must end failed), why.
/// </summary>
public sealed record ReferenceRun(IReadOnlyDictionary<long, IReadOnlyDictionary<string, double>> History, IReadOnlyDictionary<string, double> Final,
    string? Diverged = null);

/// <summary>
/// The expected history and result of every trial. For <c>synthetic</c> they are closed-form
/// (<see cref="SyntheticObjective"/>); for the other jobs they come from running the same trial once, standalone and
/// uninterrupted (<c>GpuWorker run JOB -p …</c>), on this machine's CPU after the cluster has stopped.
/// </summary>
public sealed class ChaosReferences
{
    private readonly Dictionary<string, ReferenceRun> _runs;

    private ChaosReferences(Dictionary<string, ReferenceRun> runs) => _runs = runs;

    public static async Task<ChaosReferences> ComputeAsync(IReadOnlyList<(ChaosSweep Sweep, SweepDto Dto)> sweeps, string directory, TextWriter output, CancellationToken ct)
    {
        var runs = new Dictionary<string, ReferenceRun>(StringComparer.Ordinal);
        foreach (var (sweep, dto) in sweeps)
        {
            foreach (var trial in dto.Trials)
            {
                var key = Key(sweep.Job, trial);
                if (runs.ContainsKey(key)) continue;
                var folder = runs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                runs[key] = sweep.Job == "synthetic" ? Synthetic(trial) : await StandaloneAsync(sweep.Job, trial, Path.Combine(directory, "references", folder), output, ct);
                // CPU libtorch makes an occasional NaN at tiny widths (docs/jobs/cifar-vgg19.md): when the cluster's trial
                // completed, a divergence that a second and third run do not repeat is that, not what an interruption did.
                // (A trial that failed as diverged keeps the diverged reference its failure is checked against.)
                for (var again = 1; again <= 2 && runs[key].Diverged is not null && trial.Status == TrialStatus.Completed; again++)
                {
                    var rerun = await StandaloneAsync(sweep.Job, trial, Path.Combine(directory, "references", $"{folder}-again-{again}"), output, ct);
                    if (rerun.Diverged is null) output.WriteLine($"reference: {sweep.Job} trial {trial.Index} diverged once and not on run {again + 1}: libtorch's CPU nondeterminism");
                    runs[key] = rerun;
                }
            }
        }
        return new ChaosReferences(runs);
    }

    public ReferenceRun For(string job, TrialDto trial) => _runs[Key(job, trial)];

    private static string Key(string job, TrialDto trial) =>
        job + "|" + string.Join("|", trial.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private static double Parameter(TrialDto trial, string name, double fallback) =>
        trial.Parameters.TryGetValue(name, out var value) ? value.AsDouble() : fallback;

    private static ReferenceRun Synthetic(TrialDto trial)
    {
        var final = SyntheticObjective.Loss(Parameter(trial, "x", 0), Parameter(trial, "y", 0), Parameter(trial, "lr", 0.01));
        var steps = (int)Parameter(trial, "steps", 10);
        var history = Enumerable.Range(1, steps).ToDictionary(s => (long)s,
            s => (IReadOnlyDictionary<string, double>)new Dictionary<string, double> { ["loss"] = SyntheticObjective.LossAtStep(final, s, steps) });
        return new ReferenceRun(history, new Dictionary<string, double> { ["loss"] = final, ["devices"] = 1 });
    }

    private static async Task<ReferenceRun> StandaloneAsync(string job, TrialDto trial, string outDir, TextWriter output, CancellationToken ct)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])[RepoLayout.WorkerDll, "run", job]) info.ArgumentList.Add(arg);
        foreach (var (name, value) in trial.Parameters)
        {
            info.ArgumentList.Add("-p");
            info.ArgumentList.Add($"{name}={value}");
        }
        info.ArgumentList.Add("--out");
        info.ArgumentList.Add(outDir);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var diverged = process.ExitCode != 0 && (await stderr).Contains("the run diverged", StringComparison.Ordinal) ? (await stderr).Trim() : null;
        if (process.ExitCode != 0 && diverged is null)
            throw new InvalidOperationException($"the reference run of {job} trial {trial.Index} failed ({process.ExitCode}): {await stderr}{await stdout}");
        output.WriteLine($"reference: {job} trial {trial.Index} run uninterrupted in {watch.Elapsed.TotalSeconds:0.0}s{(diverged is null ? "" : ": " + diverged)}");

        var history = new Dictionary<long, IReadOnlyDictionary<string, double>>();
        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(outDir, "metrics.jsonl"), ct))
        {
            if (line.Length == 0) continue;
            var values = JsonSerializer.Deserialize<Dictionary<string, double>>(line)!;
            var step = (long)values["step"];
            values.Remove("step");
            history[step] = values;
        }
        if (diverged is not null) return new ReferenceRun(history, new Dictionary<string, double>(), diverged);
        using var result = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "result.json"), ct));
        var final = result.RootElement.GetProperty("metrics").Deserialize<Dictionary<string, double>>(ApiJson.Options)!;
        return new ReferenceRun(history, final);
    }
}
