using System.Text;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// A checkpoint damaged in the coordinator's store (same size, other bytes: only the SHA-256 tells) while its trial is
/// between attempts: the store refuses to serve it, the worker refuses it too, and the next attempt resumes from the
/// previous checkpoint, redoing the steps after it.
/// </summary>
public sealed class CheckpointCorruptionTests
{
    private const int Steps = 40;

    // One trial of 40 × 0.25 s = 10 s, a checkpoint every step.
    private const string Spec = """
        name: damaged-checkpoint
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        checkpoints: {keep_last: 5}
        parameters:
          x: {value: 0.5}
          steps: {value: 40}
          step_seconds: {value: 0.25}
          checkpoint_every: {value: 1}
        """;

    [Fact(Timeout = 300_000)]
    public async Task A_damaged_newest_checkpoint_is_refused_and_the_trial_resumes_from_the_previous_one()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = "damaged-checkpoint",
            Workers = 2,
            SlotsPerWorker = 1,
            // Long enough to damage the checkpoint after the kill before the other worker gets the trial.
            LeaseTimeout = TimeSpan.FromSeconds(8),
        }, ct);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var id = (await cluster.SubmitAsync(Spec, ct)).Id;
            var running = await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(60),
                s => s.Trials[0] is { Status: TrialStatus.Running } t && Checkpoints(t).Count >= 4,
                "the trial to run and store four checkpoints", cancellationToken: ct);
            var victim = cluster.Workers.Single(w => running.Trials[0].Slot!.StartsWith(w.Address + "/", StringComparison.Ordinal));
            var survivor = cluster.Workers.Single(w => w != victim);
            await victim.Process.KillAsync();

            // Let an upload that was under way at the kill land (or fail), then damage the newest recorded checkpoint.
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var atKill = (await cluster.GetSweepAsync(id, cancellationToken: ct))!;
            Assert.Equal(TrialStatus.Running, atKill.Trials[0].Status);
            var checkpoints = Checkpoints(atKill.Trials[0]);
            var (newest, previous) = (checkpoints[0], checkpoints[1]);
            Assert.True(newest.Step > previous.Step, $"checkpoints not newest first: {Expect.Json(checkpoints)}");
            var blob = Path.Combine(cluster.CoordinatorDataDirectory, "artifacts", "sha256", newest.Sha256[..2], newest.Sha256);
            Assert.True(File.Exists(blob), $"the newest checkpoint is not at {blob}");
            var original = File.ReadAllText(blob);
            Assert.Equal($"{{\"step\":{newest.Step}}}", original);
            // A checkpoint that would parse and claim a later step: accepted, the trial would skip steps.
            var forged = Forge(original);
            File.WriteAllText(blob, forged);
            Assert.Equal(newest.Size, new FileInfo(blob).Length);

            await cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(120), cancellationToken: ct);
            var sweep = (await cluster.GetSweepAsync(id, history: true, cancellationToken: ct))!;
            Expect.AllCompletedWithCorrectLoss(sweep, 1);
            Expect.EveryStepRecorded(sweep, Steps);
            Assert.Equal(2, sweep.Trials[0].Attempts);

            var coordinatorLog = cluster.Coordinator.ReadLog();
            Assert.Contains($"stored artifact {newest.Sha256} is damaged", coordinatorLog);
            var log = survivor.Process.ReadLog();
            Assert.Contains(survivor.TrialsStarted(id), r => r is { Trial: 0, Attempt: 2 });
            Assert.Matches($@"{id} trial 0: checkpoint {Regex.Escape(newest.FileName)} refused \(.*stored artifact {newest.Sha256} is damaged", log);
            var resumed = Regex.Match(log, $@"{id} trial 0: resuming from checkpoint (\S+) \(step (\d+)\)");
            Assert.True(resumed.Success, $"the second attempt did not resume from a checkpoint:\n{survivor.Process.LogTail(80)}");
            Assert.Equal((previous.FileName, previous.Step.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                (resumed.Groups[1].Value, resumed.Groups[2].Value));

            // The second attempt ran the newest step again: its own checkpoint of that step is the real one, and the store
            // has it again under its hash (the damaged file was moved aside to damaged/ when it was refused).
            var redone = Directory.GetFiles(Path.Combine(cluster.Directory, $"worker-{survivor.Number}"),
                Path.GetFileName(newest.FileName), SearchOption.AllDirectories).Single();
            Assert.Equal(original, File.ReadAllText(redone));
            Assert.Equal(original, File.ReadAllText(blob));
            var aside = Directory.GetFiles(Path.Combine(cluster.CoordinatorDataDirectory, "artifacts", "damaged"), newest.Sha256 + ".*");
            Assert.Equal(forged, File.ReadAllText(Assert.Single(aside)));
        });
    }

    private static List<ArtifactInfo> Checkpoints(TrialDto trial) =>
        (trial.Artifacts ?? []).Where(a => a.Kind == ArtifactInfo.Checkpoint).OrderByDescending(a => a.Step).ToList();

    /// <summary><c>{"step":N}</c> with its last digit changed: same length, valid JSON, another step.</summary>
    private static string Forge(string checkpoint)
    {
        var chars = checkpoint.ToCharArray();
        var last = Array.FindLastIndex(chars, char.IsAsciiDigit);
        chars[last] = chars[last] == '9' ? '8' : (char)(chars[last] + 1);
        return new string(chars);
    }
}
