using Atelier.Contracts.Api;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>A sweep through the HTTP API on two workers, then recovered from the journal by a restarted coordinator.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class SweepLifecycleTests(SharedClusterFixture fixture)
{
    // 3 × 3 = 9 trials; lr is left out so the job's default (0.001) applies. Each trial takes about 0.8 s, so
    // the four slots of both workers are all busy for a while (an idle slot asks for work every 2 s at worst).
    private const string Spec = """
        name: lifecycle-grid
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        parameters:
          x: {values: [-0.5, 0.3, 1.0]}
          y: {values: [-0.2, 0.0, 0.6]}
          steps: {value: 4}
          step_seconds: {value: 0.2}
        """;

    private LocalCluster Cluster => fixture.Cluster;

    [Fact(Timeout = 300_000)]
    public Task Sweep_runs_on_both_workers_with_correct_losses_and_survives_a_coordinator_restart() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var submitted = await Cluster.SubmitAsync(Spec, ct);
        Assert.Equal("lifecycle-grid", submitted.Name);
        Assert.Equal(9, submitted.Trials);

        var sweep = await Cluster.WaitForSweepAsync(submitted.Id, TimeSpan.FromSeconds(120), cancellationToken: ct);
        Expect.AllCompletedWithCorrectLoss(sweep, 9);
        Expect.BestIsSmallestLoss(sweep);
        Assert.Equal(3, sweep.Best!.Index); // x = 0.3 (the 2nd of 3), y = -0.2 (the 1st): index 1 × 3 + 0
        Assert.Equal(1.0, sweep.Best.Metrics["loss"], 1e-9); // only the lr term: (log10(0.001) + 2)² = 1

        // Which worker ran what comes from the workers' own logs: both took part, and every trial ran somewhere.
        var byWorker = Cluster.Workers.ToDictionary(w => w.Number, w => w.TrialsStarted(submitted.Id));
        foreach (var (number, started) in byWorker)
            Assert.True(started.Count > 0, $"worker-{number} ran no trial of {submitted.Id}");
        Assert.Equal(Enumerable.Range(0, 9), byWorker.Values.SelectMany(s => s).Select(s => s.Trial).Distinct().Order());

        var before = await Cluster.GetSweepAsync(submitted.Id, history: true, ct);
        Assert.NotNull(before);
        Assert.All(before.Trials, t => Assert.True(t.History!.Count == 4, $"trial {t.Index} has {t.History.Count} steps of history: {Expect.Json(t)}"));

        var joins = Cluster.JoinCounts();
        await Cluster.RestartCoordinatorAsync(ct);

        var after = await Cluster.GetSweepAsync(submitted.Id, history: true, ct);
        Assert.NotNull(after);
        Assert.Equal(Expect.Json(before.Trials), Expect.Json(after.Trials));
        Assert.Equal(Expect.Json(before), Expect.Json(after));
        Assert.Contains(await Cluster.ListSweepsAsync(ct), s => s.Id == submitted.Id && s.Status == SweepStatus.Completed);

        // Leave the shared cluster whole: the workers notice the lost coordinator and join the new one.
        await Cluster.WaitForWorkersJoinedAsync(ct, joins);
    });
}
