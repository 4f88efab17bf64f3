using System.Text.RegularExpressions;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// kill -9 of the coordinator while trials run: a restarted one recovers the sweep from its journal (SQLite, or
/// PostgreSQL) and finishes it, losing and duplicating nothing, and the interrupted trials resume from their last
/// stored checkpoints.
/// </summary>
public sealed class CoordinatorCrashTests
{
    private const int Steps = 20;

    // 8 trials of 20 × 0.25 s = 5 s each on 4 slots, a checkpoint every step.
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
          checkpoint_every: {value: 1}
        """;

    [Fact(Timeout = 300_000)]
    public Task Sweep_completes_after_the_coordinator_is_killed_mid_sweep() =>
        KillAndRestartCoordinatorAsync("coordinator-crash", [], TestContext.Current.CancellationToken);

    /// <summary>
    /// The same with the journal and snapshots in PostgreSQL (<c>--postgres</c>), in a schema of the test's own. Needs
    /// a server: `.ci/run` starts one; without it this test fails and says so.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task Sweep_journaled_in_postgres_completes_after_the_coordinator_is_killed_mid_sweep()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var postgres = await TestPostgres.CreateSchemaAsync("atelier_crash", ct);
        await KillAndRestartCoordinatorAsync("coordinator-crash-pg", ["--postgres", postgres.ConnectionString], ct);
        // The sweep really was journaled there (not in a SQLite file next to it).
        Assert.True(await postgres.CountAsync("journal", ct) > 0, $"no events in {postgres.Schema}.journal");
    }

    private static async Task KillAndRestartCoordinatorAsync(string name, IReadOnlyList<string> coordinatorArguments, CancellationToken ct)
    {
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = name,
            LeaseTimeout = TimeSpan.FromSeconds(5),
            CoordinatorLostTimeout = TimeSpan.FromSeconds(5),
            CoordinatorArguments = coordinatorArguments,
        }, ct);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var id = (await cluster.SubmitAsync(Spec, ct)).Id;

            // Every slot busy, each trial a few steps into its twenty with checkpoints stored.
            var beforeKill = await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(60),
                s => s.Trials.Count(t => t.Status == TrialStatus.Running && Checkpoints(t).Any(c => c.Step >= 2)) == 4,
                "all four slots to run a trial and store checkpoints", cancellationToken: ct);
            await cluster.KillCoordinatorAsync();

            var interrupted = beforeKill.Trials.Where(t => t.Status == TrialStatus.Running).ToList();
            var completedBefore = beforeKill.Trials.Where(t => t.Status == TrialStatus.Completed).ToList();
            Assert.True(interrupted.Count >= 2, $"expected running trials at the kill: {Expect.Json(beforeKill.Counts)}");

            await cluster.StartCoordinatorAsync(ct);
            await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(150), cancellationToken: ct);
            var sweep = (await cluster.GetSweepAsync(id, history: true, cancellationToken: ct))!;

            Expect.AllCompletedWithCorrectLoss(sweep, 8);
            Expect.BestIsSmallestLoss(sweep);
            var logs = string.Concat(cluster.Workers.Select(w => w.Process.ReadLog()));
            foreach (var before in interrupted)
            {
                var trial = sweep.Trials.Single(t => t.Index == before.Index);
                Assert.True(trial.Attempts >= 2, $"trial {before.Index} was running when the coordinator died but finished in attempt {trial.Attempts}");
                // The attempt after the restart resumed from a checkpoint at least as new as the newest the journal had
                // at the kill, not from scratch.
                var newestAtKill = Checkpoints(before).Max(c => c.Step);
                var resumed = Regex.Matches(logs, $@"{id} trial {before.Index}: resuming from checkpoint \S+ \(step (\d+)\)")
                    .Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.True(resumed.Count > 0, $"trial {before.Index} was not resumed from a stored checkpoint");
                Assert.InRange(resumed[^1], newestAtKill, Steps - 1);
            }
            // Every step of every trial, the interrupted ones too: an attempt resumes only from a checkpoint whose metrics
            // the journal has, never from files a worker kept on disk.
            Expect.EveryStepRecorded(sweep, Steps);
            // Results recorded before the crash are kept as they were.
            foreach (var done in completedBefore)
                Assert.Equal(Expect.Json(done with { History = null }), Expect.Json(sweep.Trials.Single(t => t.Index == done.Index) with { History = null }));
        });
    }

    private static IEnumerable<ArtifactInfo> Checkpoints(TrialDto trial) =>
        (trial.Artifacts ?? []).Where(a => a.Kind == ArtifactInfo.Checkpoint);
}
