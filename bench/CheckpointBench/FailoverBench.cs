using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Testing;

namespace Atelier.CheckpointBench;

/// <summary>
/// Time from kill -9 of the worker running a trial to that trial resumed on another worker. One coordinator and
/// reps + 1 workers of one slot each; one long trial checkpointing every second. Each repetition kills the worker that
/// runs the trial and times (a) the coordinator's new lease of it (polled on the API every 50 ms) and (b) the new
/// worker's "resuming from checkpoint" line (polled on its log).
/// </summary>
internal static class FailoverBench
{
    public static async Task<FailoverResult> RunAsync(int reps, double leaseSeconds, TextWriter output, CancellationToken ct)
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = "failover-bench",
            Workers = reps + 1,
            SlotsPerWorker = 1,
            LeaseTimeout = TimeSpan.FromSeconds(leaseSeconds),
        }, ct);
        const string spec = """
            name: failover-bench
            job: synthetic
            method: grid
            metric: {name: loss, goal: minimize}
            parameters:
              x: {value: 0.3}
              steps: {value: 1000000}
              step_seconds: {value: 0.1}
              checkpoint_every: {value: 10}
            """;
        var id = (await cluster.SubmitAsync(spec, ct)).Id;
        output.WriteLine($"failover: {reps} kills, lease timeout {leaseSeconds} s, {reps + 1} workers of 1 slot; load average {Stats.LoadAverage():0.0}");
        var runs = new List<FailoverRun>();
        long resumedStep = 0;
        for (var rep = 1; rep <= reps; rep++)
        {
            var attempt = rep;
            var minStep = resumedStep + 20;
            var before = await cluster.WaitForSweepAsync(id, TimeSpan.FromMinutes(3),
                s => s.Trials[0] is { Status: TrialStatus.Running } t && t.Attempts == attempt
                     && (t.Artifacts ?? []).Any(a => a.Kind == ArtifactInfo.Checkpoint && a.Step >= minStep),
                $"attempt {attempt} to store a checkpoint past step {minStep}", cancellationToken: ct, interval: TimeSpan.FromMilliseconds(100));
            var victim = WorkerOf(cluster, before.Trials[0].Slot!);
            var newest = before.Trials[0].Artifacts!.Where(a => a.Kind == ArtifactInfo.Checkpoint).Max(a => a.Step);
            var watch = Stopwatch.StartNew();
            await victim.Process.KillAsync();
            var killSeconds = watch.Elapsed.TotalSeconds;

            var leased = await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(leaseSeconds + 120),
                s => s.Trials[0] is { Status: TrialStatus.Running, Slot: not null } t && t.Attempts == attempt + 1,
                $"attempt {attempt + 1} to be leased", cancellationToken: ct, interval: TimeSpan.FromMilliseconds(50));
            var leaseSecondsTaken = watch.Elapsed.TotalSeconds;
            var next = WorkerOf(cluster, leased.Trials[0].Slot!);
            var line = new Regex($@"{id} trial 0: resuming from checkpoint \S+ \(step (\d+)\)");
            var match = await Poll.UntilAsync(_ => Task.FromResult(line.Match(next.Process.ReadLog()) is { Success: true } m ? m : null),
                TimeSpan.FromSeconds(60), $"worker-{next.Number} to resume the trial", interval: TimeSpan.FromMilliseconds(50), cancellationToken: ct);
            var resumedSeconds = watch.Elapsed.TotalSeconds;
            resumedStep = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var run = new FailoverRun(rep, victim.Number, next.Number, killSeconds, leaseSecondsTaken, resumedSeconds, newest, resumedStep, Stats.LoadAverage());
            runs.Add(run);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  kill {rep}: worker-{victim.Number} → worker-{next.Number}: leased again after {run.LeasedSeconds:0.00} s, resumed after {run.ResumedSeconds:0.00} s " +
                $"(from step {resumedStep}; newest checkpoint at the kill: {newest}); load {run.LoadAverage:0.0}"));
        }
        await cluster.Http.PostAsync($"api/sweeps/{id}/cancel", null, ct);
        var result = new FailoverResult("failover", leaseSeconds, runs,
            Stats.Median(runs.Select(r => r.ResumedSeconds)), runs.Max(r => r.ResumedSeconds),
            Stats.Median(runs.Select(r => r.LeasedSeconds)), runs.Max(r => r.LeasedSeconds));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  death → resumed: median {result.MedianResumedSeconds:0.00} s, max {result.MaxResumedSeconds:0.00} s; death → new lease: median {result.MedianLeasedSeconds:0.00} s, max {result.MaxLeasedSeconds:0.00} s"));
        return result;
    }

    private static WorkerNode WorkerOf(LocalCluster cluster, string slot) =>
        cluster.Workers.Single(w => slot.StartsWith(w.Address + "/", StringComparison.Ordinal));
}

internal sealed record FailoverRun(int Rep, int Killed, int ResumedOn, double KillSeconds, double LeasedSeconds, double ResumedSeconds,
    long NewestCheckpointStep, long ResumedStep, double LoadAverage);

internal sealed record FailoverResult(string Mode, double LeaseTimeoutSeconds, IReadOnlyList<FailoverRun> Runs,
    double MedianResumedSeconds, double MaxResumedSeconds, double MedianLeasedSeconds, double MaxLeasedSeconds);
