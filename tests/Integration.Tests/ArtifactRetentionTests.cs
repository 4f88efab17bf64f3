using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// Checkpoint retention and the store's collector with real processes: a sweep keeps the newest two checkpoints of
/// each trial, and the coordinator deletes the files of the others from its store.
/// </summary>
public sealed class ArtifactRetentionTests
{
    // Two trials of 6 steps with a checkpoint at every step. The synthetic job's checkpoint is {"step":N}, so both
    // trials write the same six files: after retention, steps 5 and 6 are referenced and steps 1–4 are not.
    private const string Spec = """
        name: retention
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        checkpoints: {keep_last: 2}
        parameters:
          x: {values: [0.3, 0.9]}
          steps: {value: 6}
          step_seconds: {value: 0.1}
          checkpoint_every: {value: 1}
        """;

    private static string HashOfCheckpoint(int step) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($$"""{"step":{{step}}}""")));

    [Fact(Timeout = 300_000)]
    public async Task Only_the_kept_checkpoints_stay_in_the_store()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = "retention",
            Workers = 1,
            CoordinatorArguments = ["--artifact-gc-interval", "1s", "--artifact-gc-grace", "1s"],
        }, ct);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var id = (await cluster.SubmitAsync(Spec, ct)).Id;
            var sweep = await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(120), cancellationToken: ct);
            Assert.All(sweep.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));
            Assert.All(sweep.Trials, t => Assert.Equal([5L, 6L],
                t.Artifacts!.Where(a => a.Kind == ArtifactInfo.Checkpoint).Select(a => a.Step).Order()));

            var store = Path.Combine(cluster.CoordinatorDataDirectory, "artifacts", "sha256");
            string[] Stored() => Directory.EnumerateFiles(store, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order().ToArray()!;
            string[] kept = [HashOfCheckpoint(5), HashOfCheckpoint(6)];
            await Poll.UntilAsync(_ => Task.FromResult(Stored().SequenceEqual(kept.Order())), TimeSpan.FromSeconds(30),
                $"the store to hold only the kept checkpoints {string.Join(", ", kept)}", () => null, cancellationToken: ct);

            // The dropped ones were there and the collector deleted them (in one round or several), not never written.
            var deleted = Regex.Matches(cluster.Coordinator.ReadLog(), @"artifact collector: deleted (\d+) unreferenced files")
                .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(deleted >= 4, $"the collector deleted {deleted} files; the four dropped checkpoints at least were expected");
        });
    }
}
