using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;

namespace Atelier.Testing.Chaos;

/// <summary>What the checks counted, and every violation they found (empty when the run kept every promise).</summary>
public sealed record ChaosReport
{
    public List<string> Violations { get; } = [];
    public int Sweeps { get; set; }
    public int Trials { get; set; }
    public int Completed { get; set; }
    public int Stopped { get; set; }
    public int Failed { get; set; }
    public int StepsChecked { get; set; }
    public int StepsLost { get; set; }
    public int ExtraSteps { get; set; }
    public int DuplicateSteps { get; set; }
    public int WrongValues { get; set; }
    public int ResultsLost { get; set; }
    public int TerminalNotOnce { get; set; }
    public int ArtifactsChecked { get; set; }
    public int CheckpointsKept { get; set; }
    public int ArtifactsMissing { get; set; }
    public int UnreferencedAfterCollection { get; set; }
    public int ReplayDifferences { get; set; }
    public int Attempts { get; set; }
    public int RerunSteps { get; set; }
    public double WastedSeconds { get; set; }

    /// <summary>Seconds from a worker's death (kill -9 or SIGTERM) to each of its trials back in the queue.</summary>
    public List<double> DeathToRequeueSeconds { get; } = [];

    /// <summary>Seconds from a worker's death (kill -9 or SIGTERM) to each of its trials leased again (queueing included).</summary>
    public List<double> DeathToResumeSeconds { get; } = [];

    /// <summary>The same after a power cut (every process down at once, restarted after a pause).</summary>
    public List<double> PowerLossToResumeSeconds { get; } = [];
}

/// <summary>
/// The invariants a chaos run must keep: every trial terminal exactly once; its history holds every step it reported
/// once, with the values an uninterrupted run reports; its final metrics are that run's; every artifact the journal
/// keeps is in the store with its SHA-256; nothing unreferenced survives a collector round; the journal replays to the
/// state shown before the last restart.
/// </summary>
public sealed partial class ChaosChecks(string artifactsDirectory, ChaosReferences references)
{
    public ChaosReport Verify(IReadOnlyList<(ChaosSweep Sweep, SweepDto Before, SweepDto After, SweepLogDto Log)> sweeps, IReadOnlyList<WorkerDeath> deaths)
    {
        var report = new ChaosReport { Sweeps = sweeps.Count };
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (sweep, before, after, log) in sweeps)
        {
            var id = after.Id;
            if (Json(before) != Json(after))
            {
                report.ReplayDifferences++;
                report.Violations.Add($"{id}: the state after restarting every process differs from the state before: {FirstDifference(before, after)}");
            }
            if (after.Status != SweepStatus.Completed) report.Violations.Add($"{id} ({sweep.Name}): status {after.Status}, {after.Counts}");
            foreach (Match m in InputHash().Matches(after.SpecYaml)) referenced.Add(m.Groups[1].Value);
            foreach (var trial in after.Trials)
            {
                report.Trials++;
                CheckTrial(report, sweep, id, trial, log);
                foreach (var artifact in trial.Artifacts ?? [])
                {
                    referenced.Add(artifact.Sha256);
                    CheckArtifact(report, id, trial.Index, artifact);
                }
            }
            CountAttempts(report, sweep, id, log);
        }
        CheckCollected(report, referenced);
        ResumeTimes(report, sweeps.Select(s => s.Log).ToList(), deaths);
        return report;
    }

    private void CheckTrial(ChaosReport report, ChaosSweep sweep, string id, TrialDto trial, SweepLogDto log)
    {
        var name = $"{id} trial {trial.Index}";
        var terminal = log.Lines.Count(l => l.Trial == trial.Index && l.Kind is "finished" or "failed" or "stopped" or "cancelled");
        if (terminal != 1)
        {
            report.TerminalNotOnce++;
            report.Violations.Add($"{name}: ended {terminal} times in the journal (expected exactly once)");
        }
        var reference = references.For(sweep.Job, trial);
        var history = (trial.History ?? []).ToDictionary(p => p.Step, p => p.Values);
        IEnumerable<long> expectedSteps;
        switch (trial.Status)
        {
            case TrialStatus.Failed when reference.Diverged is not null && trial.Error?.Contains("the run diverged", StringComparison.Ordinal) == true:
                // Diverges uninterrupted too: it must fail, with every step before the divergence recorded.
                report.Failed++;
                expectedSteps = reference.History.Keys;
                break;
            case TrialStatus.Completed when reference.Diverged is not null:
                report.ResultsLost++;
                report.Violations.Add($"{name}: completed, but an uninterrupted run diverges ({reference.Diverged})");
                return;
            case TrialStatus.Completed:
                report.Completed++;
                expectedSteps = reference.History.Keys;
                CompareFinal(report, name, trial.Metrics, reference.Final);
                break;
            case TrialStatus.Stopped:
            case TrialStatus.Failed when trial.Error?.Contains("synthetic failure", StringComparison.Ordinal) == true:
                // Ended early (early_terminate, or out of retries on the job's own random failures): a prefix of the run.
                if (trial.Status == TrialStatus.Stopped) report.Stopped++;
                else report.Failed++;
                var last = history.Count == 0 ? long.MinValue : history.Keys.Max();
                expectedSteps = reference.History.Keys.Where(s => s <= last);
                if (trial.Status == TrialStatus.Stopped && history.Count > 0) CompareFinal(report, name, trial.Metrics, reference.History[last]);
                break;
            default:
                report.Violations.Add($"{name}: ended {trial.Status}{(trial.Error is null ? "" : ": " + trial.Error)}");
                return;
        }
        foreach (var step in expectedSteps)
        {
            report.StepsChecked++;
            if (!history.TryGetValue(step, out var values))
            {
                report.StepsLost++;
                report.Violations.Add($"{name}: step {step} is missing from its history ({trial.Status}, {trial.Attempts} attempts)");
                continue;
            }
            foreach (var (metric, expected) in reference.History[step])
            {
                if (ChaosWorkload.TimingMetrics.Contains(metric)) continue;
                if (!values.TryGetValue(metric, out var actual) || !actual.Equals(expected))
                {
                    report.WrongValues++;
                    report.Violations.Add($"{name}: step {step} {metric} = {(values.TryGetValue(metric, out var a) ? a.ToString("R") : "missing")}, an uninterrupted run reports {expected:R}");
                }
            }
        }
        foreach (var extra in history.Keys.Except(reference.History.Keys))
        {
            report.ExtraSteps++;
            report.Violations.Add($"{name}: its history has step {extra}, which an uninterrupted run does not report");
        }
    }

    private static void CompareFinal(ChaosReport report, string name, IReadOnlyDictionary<string, double> actual, IReadOnlyDictionary<string, double> expected)
    {
        var wrong = expected.Where(kv => !ChaosWorkload.TimingMetrics.Contains(kv.Key) && (!actual.TryGetValue(kv.Key, out var v) || !v.Equals(kv.Value)))
            .Select(kv => $"{kv.Key} = {(actual.TryGetValue(kv.Key, out var v) ? v.ToString("R") : "missing")} (expected {kv.Value:R})")
            .ToList();
        if (wrong.Count == 0) return;
        report.ResultsLost++;
        report.Violations.Add($"{name}: final metrics differ from an uninterrupted run: {string.Join(", ", wrong)}");
    }

    /// <summary>Steps recorded twice by one attempt (a duplicate), and steps a later attempt ran again after a resume (wasted work).</summary>
    private static void CountAttempts(ChaosReport report, ChaosSweep sweep, string id, SweepLogDto log)
    {
        foreach (var trial in log.Lines.Where(l => l.Kind == "metrics" && l.Trial is not null).GroupBy(l => l.Trial!.Value))
        {
            var seen = new HashSet<long>();
            foreach (var attempt in trial.GroupBy(l => l.Attempt ?? 0).OrderBy(g => g.Key))
            {
                report.Attempts++;
                var steps = attempt.SelectMany(l => StepOf().Matches(l.Message).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
                var duplicates = steps.Count - steps.Distinct().Count();
                if (duplicates > 0)
                {
                    report.DuplicateSteps += duplicates;
                    report.Violations.Add($"{id} trial {trial.Key} attempt {attempt.Key}: {duplicates} steps recorded twice");
                }
                var rerun = steps.Distinct().Count(seen.Contains);
                report.RerunSteps += rerun;
                report.WastedSeconds += rerun * sweep.StepSeconds;
                seen.UnionWith(steps);
            }
        }
    }

    private void CheckArtifact(ChaosReport report, string id, int trial, ArtifactInfo artifact)
    {
        report.ArtifactsChecked++;
        if (artifact.Kind == ArtifactInfo.Checkpoint) report.CheckpointsKept++;
        var path = Path.Combine(artifactsDirectory, "sha256", artifact.Sha256[..2], artifact.Sha256);
        if (!File.Exists(path))
        {
            report.ArtifactsMissing++;
            report.Violations.Add($"{id} trial {trial}: {artifact.Kind} {artifact.FileName} (step {artifact.Step}) is recorded but not in the store");
            return;
        }
        using var stream = File.OpenRead(path);
        var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (actual == artifact.Sha256) return;
        report.ArtifactsMissing++;
        report.Violations.Add($"{id} trial {trial}: {artifact.Kind} {artifact.FileName} in the store hashes to {actual}, not {artifact.Sha256}");
    }

    private void CheckCollected(ChaosReport report, HashSet<string> referenced)
    {
        foreach (var dir in new[] { "sha256", "tmp" })
        {
            var root = Path.Combine(artifactsDirectory, dir);
            if (!Directory.Exists(root)) continue;
            foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                if (dir == "sha256" && referenced.Contains(Path.GetFileName(file))) continue;
                report.UnreferencedAfterCollection++;
                report.Violations.Add($"store file {Path.GetRelativePath(artifactsDirectory, file)} is referenced by no sweep and survived a collector round");
            }
        }
    }

    /// <summary>For each worker death, the time until each trial it was running was leased again (from the journals).</summary>
    private static void ResumeTimes(ChaosReport report, IReadOnlyList<SweepLogDto> logs, IReadOnlyList<WorkerDeath> deaths)
    {
        foreach (var death in deaths)
        {
            foreach (var log in logs)
            {
                foreach (var trial in log.Lines.Where(l => l.Trial is not null).GroupBy(l => l.Trial!.Value))
                {
                    var lines = trial.Where(l => l.At is not null).OrderBy(l => l.Sequence).ToList();
                    var lastLease = lines.LastOrDefault(l => l.Kind == "leased" && l.At <= death.At);
                    if (lastLease is null || !lastLease.Message.Contains($" started on {death.Node} ", StringComparison.Ordinal)) continue;
                    var endedBefore = lines.Any(l => l.Sequence > lastLease.Sequence && l.At <= death.At && l.Kind is "finished" or "failed" or "stopped" or "cancelled" or "requeued" or "retrying");
                    if (endedBefore) continue;
                    var next = lines.FirstOrDefault(l => l.Kind == "leased" && l.Sequence > lastLease.Sequence);
                    if (next is null) continue;
                    var seconds = (next.At!.Value - death.At).TotalSeconds;
                    (death.Kind == FaultKind.PowerLoss ? report.PowerLossToResumeSeconds : report.DeathToResumeSeconds).Add(seconds);
                    if (death.Kind != FaultKind.PowerLoss && lines.FirstOrDefault(l => l.Kind is "requeued" or "retrying" && l.Sequence > lastLease.Sequence) is { } back)
                        report.DeathToRequeueSeconds.Add((back.At!.Value - death.At).TotalSeconds);
                }
            }
        }
    }

    private static string FirstDifference(SweepDto before, SweepDto after)
    {
        if (before.Trials.Count != after.Trials.Count) return $"{before.Trials.Count} trials before, {after.Trials.Count} after";
        for (var i = 0; i < before.Trials.Count; i++)
            if (Json(before.Trials[i]) != Json(after.Trials[i]))
                return $"trial {i}: before {Json(before.Trials[i])[..Math.Min(400, Json(before.Trials[i]).Length)]}… after {Json(after.Trials[i])[..Math.Min(400, Json(after.Trials[i]).Length)]}…";
        return "the sweep's own fields";
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, ApiJson.Options);

    [GeneratedRegex(@"step (\d+):")]
    private static partial Regex StepOf();

    [GeneratedRegex("sha256:([0-9a-f]{64})")]
    private static partial Regex InputHash();
}
