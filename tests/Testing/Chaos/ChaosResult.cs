using System.Globalization;

namespace Atelier.Testing.Chaos;

/// <summary>A chaos run's outcome: its options (the seed among them), the faults as carried out, and the checks' report.</summary>
public sealed record ChaosResult(ChaosOptions Options, IReadOnlyList<FaultRecord> Faults, ChaosReport Report, TimeSpan Elapsed)
{
    /// <summary>Why the run could not even be checked (a process that never came up, a sweep that never finished).</summary>
    public string? Error { get; init; }

    /// <summary>Processes that exited without the harness stopping them, each started again as a supervisor would.</summary>
    public IReadOnlyList<string> SelfExits { get; init; } = [];

    public bool Passed => Error is null && Report.Violations.Count == 0;

    public static ChaosResult Failed(ChaosOptions options, IReadOnlyList<FaultRecord> faults, string error) =>
        new(options, faults.ToList(), new ChaosReport(), TimeSpan.Zero) { Error = error };

    /// <summary>The summary lines; on failure also the seed, the fault schedule to replay it and the violations.</summary>
    public IEnumerable<string> Describe()
    {
        var r = Report;
        yield return Passed ? "chaos: PASSED" : "chaos: FAILED";
        yield return $"  seed {Options.Seed}, journal {Options.Journal}, {Options.Coordinators} coordinators, {Options.Workers} workers × {Options.SlotsPerWorker} slots, {Elapsed.TotalMinutes:0.0} min";
        yield return $"  faults: {Faults.Count} ({string.Join(", ", Faults.GroupBy(f => f.Kind).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))})";
        yield return $"  sweeps {r.Sweeps}, trials {r.Trials} (completed {r.Completed}, stopped early {r.Stopped}, failed as the job does uninterrupted {r.Failed}), attempts {r.Attempts}";
        yield return $"  steps checked {r.StepsChecked}: lost {r.StepsLost}, extra {r.ExtraSteps}, recorded twice {r.DuplicateSteps}, wrong value {r.WrongValues}; results lost {r.ResultsLost}; trials not ended exactly once {r.TerminalNotOnce}";
        yield return $"  artifacts checked {r.ArtifactsChecked} ({r.CheckpointsKept} checkpoints): missing or damaged {r.ArtifactsMissing}; unreferenced after a collector round {r.UnreferencedAfterCollection}; replay differences {r.ReplayDifferences}";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"  worker death → its trial back in the queue: {Summary(r.DeathToRequeueSeconds)}; → leased again: {Summary(r.DeathToResumeSeconds)}; power cut → leased again: {Summary(r.PowerLossToResumeSeconds)}");
        yield return string.Create(CultureInfo.InvariantCulture, $"  steps run again after a resume: {r.RerunSteps} ({r.WastedSeconds:0.0} s of slot time)");
        yield return $"  processes that exited on their own and were started again: {(SelfExits.Count == 0 ? "none" : string.Join("; ", SelfExits))}";
        if (Passed) yield break;
        if (Error is not null) yield return $"  error: {Error}";
        foreach (var v in r.Violations.Take(50)) yield return $"  violation: {v}";
        if (r.Violations.Count > 50) yield return $"  … and {r.Violations.Count - 50} more violations";
        yield return $"  replay with seed {Options.Seed}; the faults as they were carried out:";
        foreach (var f in Faults) yield return $"    {f}";
    }

    private static string Summary(List<double> seconds)
    {
        if (seconds.Count == 0) return "none";
        var sorted = seconds.Order().ToList();
        double At(double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5):0.0} s, p99 {At(0.99):0.0} s, max {sorted[^1]:0.0} s ({sorted.Count} trials)");
    }
}
