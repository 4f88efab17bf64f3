using Atelier.Contracts.Api;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// kill -9 of a worker while it runs trials: its leases expire and the other worker resumes them from
/// the checkpoints streamed to the coordinator's store.
/// </summary>
public sealed class WorkerCrashTests
{
    // 8 trials of 10 × 0.25 s = 2.5 s each.
    private const string Spec = """
        name: worker-crash
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        parameters:
          x: {values: [0.3, 0.9]}
          y: {values: [-0.2, 0.5]}
          lr: {values: [0.01, 0.1]}
          steps: {value: 10}
          step_seconds: {value: 0.25}
          checkpoint_every: {value: 1}
        """;

    [Fact(Timeout = 300_000)]
    public async Task Trials_of_a_killed_worker_complete_on_the_surviving_worker()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = "worker-crash",
            LeaseTimeout = TimeSpan.FromSeconds(3),
        }, ct);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var victim = cluster.Workers[1];
            var survivor = cluster.Workers[0];
            var id = (await cluster.SubmitAsync(Spec, ct)).Id;

            var beforeKill = await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(60),
                s => s.Trials.Count(t => t.Status == TrialStatus.Running && OnWorker(t.Slot, victim) && t.Artifacts is { Count: > 0 }) == 2,
                $"both slots of {victim.Process.Name} to run a trial and store a checkpoint", cancellationToken: ct);
            await victim.Process.KillAsync();
            var interrupted = beforeKill.Trials
                .Where(t => t.Status == TrialStatus.Running && OnWorker(t.Slot, victim))
                .Select(t => t.Index)
                .ToList();

            await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(120), cancellationToken: ct);
            var sweep = (await cluster.GetSweepAsync(id, history: true, cancellationToken: ct))!;
            Expect.AllCompletedWithCorrectLoss(sweep, 8);
            Expect.BestIsSmallestLoss(sweep);
            Assert.False(cluster.Coordinator.HasExited);

            var rerun = survivor.TrialsStarted(id);
            foreach (var index in interrupted)
            {
                var trial = sweep.Trials.Single(t => t.Index == index);
                Assert.True(trial.Attempts >= 2, $"trial {index} was running on the killed worker but finished in attempt {trial.Attempts}");
                Assert.Contains(rerun, r => r.Trial == index && r.Attempt == trial.Attempts);
                // Resumed from a stored checkpoint (step ≥ 1), not from scratch.
                var resumed = System.Text.RegularExpressions.Regex.Match(survivor.Process.ReadLog(),
                    $@"{id} trial {index}: resuming from checkpoint \S+ \(step (\d+)\)");
                Assert.True(resumed.Success, $"trial {index} was not resumed from a stored checkpoint");
                // At least the newest checkpoint the sweep had recorded when the worker died (none lost), and not the end.
                var newestAtKill = beforeKill.Trials.Single(t => t.Index == index).Artifacts!
                    .Where(a => a.Kind == ArtifactInfo.Checkpoint).Max(a => a.Step);
                Assert.InRange(long.Parse(resumed.Groups[1].Value), Math.Max(1, newestAtKill), 9);
            }
            Expect.EveryStepRecorded(sweep, 10);
        });
    }

    [Fact(Timeout = 300_000)]
    public async Task Trials_of_a_killed_worker_return_when_the_cluster_removes_it_long_before_their_lease_expires()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = "worker-removed",
            LeaseTimeout = TimeSpan.FromMinutes(10),
        }, ct);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var victim = cluster.Workers[1];
            var id = (await cluster.SubmitAsync(Spec, ct)).Id;
            await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(60),
                s => s.Trials.Count(t => t.Status == TrialStatus.Running && OnWorker(t.Slot, victim) && t.Artifacts is { Count: > 0 }) == 2,
                $"both slots of {victim.Process.Name} to run a trial and store a checkpoint", cancellationToken: ct);
            await victim.Process.KillAsync();

            // Failure detector + split-brain resolver (stable-after 20 s) remove the member; the lease (10 min) never expires.
            var sweep = await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(150), cancellationToken: ct);
            Expect.AllCompletedWithCorrectLoss(sweep, 8);
            using var response = await cluster.Http.GetAsync($"api/sweeps/{id}/logs", ct);
            var log = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Contracts.Api.SweepLogDto>(response.Content, Contracts.Api.ApiJson.Options, ct))!;
            var requeued = log.Lines.Where(l => l.Kind == "requeued").ToList();
            Assert.Equal(2, requeued.Count);
            Assert.All(requeued, l => Assert.Contains($"node {victim.Address} left the cluster", l.Message));
        });
    }

    private static bool OnWorker(string? slot, WorkerNode worker) =>
        slot is not null && slot.StartsWith(worker.Address + "/", StringComparison.Ordinal);

    [Fact(Timeout = 300_000)]
    public async Task Killing_the_only_worker_leaves_the_coordinator_up()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { Name = "lone-worker", Workers = 1 }, ct);
        await cluster.ExplainFailuresAsync(async () =>
        {
            await cluster.Workers[0].Process.KillAsync();
            // Past the failure detector and the split-brain resolver's stable-after (20 s).
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            Assert.False(cluster.Coordinator.HasExited, "the coordinator downed itself when its only worker died");
            var ready = await cluster.Http.GetAsync("healthz/ready", ct);
            Assert.True(ready.IsSuccessStatusCode, $"coordinator not ready: {(int)ready.StatusCode}");
        });
    }
}
