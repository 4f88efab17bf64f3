using Atelier.Shared.Api;
using Atelier.Shared.Protocol;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>kill -9 of the coordinator while trials run: a restarted one finishes the sweep, losing nothing.</summary>
public sealed class CoordinatorCrashTests
{
    // 8 trials of 20 × 0.25 s = 5 s each on 4 slots.
    private const string Spec = """
        name: coordinator-crash
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        parameters:
          x: {values: [0.1, 0.3, 0.5, 0.7]}
          lr: {values: [0.01, 0.001]}
          steps: {value: 20}
          step_seconds: {value: 0.25}
        """;

    [Fact(Timeout = 300_000)]
    public async Task Sweep_completes_after_the_coordinator_is_killed_mid_sweep()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = "coordinator-crash",
            LeaseTimeout = TimeSpan.FromSeconds(5),
            CoordinatorLostTimeout = TimeSpan.FromSeconds(5),
        }, ct);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var id = (await cluster.SubmitAsync(Spec, ct)).Id;

            // Every slot busy, and each trial a second into its five.
            await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(60), s => s.Counts.Running == 4,
                "all four slots to run a trial", cancellationToken: ct);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var beforeKill = (await cluster.GetSweepAsync(id, cancellationToken: ct))!;
            await cluster.KillCoordinatorAsync();

            var interrupted = beforeKill.Trials.Where(t => t.Status == TrialStatus.Running).Select(t => t.Index).ToList();
            var completedBefore = beforeKill.Trials.Where(t => t.Status == TrialStatus.Completed).ToList();
            Assert.True(interrupted.Count >= 2, $"expected running trials at the kill: {Expect.Json(beforeKill.Counts)}");

            await cluster.StartCoordinatorAsync(ct);
            var sweep = await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(150), cancellationToken: ct);

            Expect.AllCompletedWithCorrectLoss(sweep, 8);
            Expect.BestIsSmallestLoss(sweep);
            foreach (var index in interrupted)
            {
                var trial = sweep.Trials.Single(t => t.Index == index);
                Assert.True(trial.Attempts >= 2, $"trial {index} was running when the coordinator died but finished in attempt {trial.Attempts}");
            }
            // Results recorded before the crash are kept as they were.
            foreach (var done in completedBefore)
                Assert.Equal(Expect.Json(done), Expect.Json(sweep.Trials.Single(t => t.Index == done.Index)));
        });
    }
}
