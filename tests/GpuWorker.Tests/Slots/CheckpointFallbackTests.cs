using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Atelier.Contracts.Api;
using Atelier.Shared.Hosting;
using Atelier.GpuWorker.Hosting;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Slots;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Protocol.ArtifactProtocol;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.GpuWorker.Tests.Slots;

/// <summary>
/// A slot resuming a trial fetches the newest stored checkpoint; one that arrives damaged (hash mismatch) or cannot
/// be fetched is refused and the next older one is tried; only when none is intact does the job start from scratch.
/// The real slot, transfer code and synthetic job; a stand-in store serves the bytes.
/// </summary>
public sealed class CheckpointFallbackTests : Akka.Hosting.TestKit.TestKit
{
    private static readonly SweepId Id = new("fallback-test");
    private readonly string _work = Directory.CreateTempSubdirectory("atelier-fallback-").FullName;

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithAtelierSerialization();

    // Not Dispose: xUnit v3 calls only DisposeAsync on a class that has it, as the TestKit does. The TestKit stops the
    // actor system only after this; stopped here first, so that no actor writes into the directory as it goes.
    protected override async Task AfterAllAsync()
    {
        await base.AfterAllAsync();
        await ShutdownAsync();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>
    /// Answers FetchArtifact with the bytes it was given for that hash (which may not match it), after
    /// <paramref name="delay"/> (a download's time); passes the rest on.
    /// </summary>
    private sealed class FakeStore : ReceiveActor
    {
        public FakeStore(IReadOnlyDictionary<string, byte[]> served, IActorRef rest, TimeSpan delay)
        {
            var materializer = Context.Materializer();
            Receive<FetchArtifact>(f =>
            {
                if (!served.TryGetValue(f.Sha256, out var bytes))
                {
                    Sender.Tell(new UploadResult("", false, $"artifact {f.Sha256} is not in the store"));
                    return;
                }
                var sender = Sender;
                Source.Single(bytes).InitialDelay(delay).RunWith(StreamRefs.SourceRef<byte[]>(), materializer)
                    .ContinueWith(t => new DownloadFrom(f.Sha256, bytes.Length, t.Result)).PipeTo(sender);
            });
            ReceiveAny(m => rest.Forward(m));
        }
    }

    private static (ArtifactInfo Info, byte[] Bytes) Checkpoint(long step)
    {
        var bytes = Encoding.UTF8.GetBytes($"{{\"step\":{step}}}");
        return (new ArtifactInfo(ArtifactInfo.Checkpoint, step, $"checkpoints/step-{step:D7}.json",
            Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length), bytes);
    }

    /// <summary>Same length as the real checkpoint, different content: only the hash tells them apart.</summary>
    private static byte[] Forged(long step) => Encoding.UTF8.GetBytes($"{{\"step\":{step % 9 + 1}}}");

    /// <summary>A node of <paramref name="slots"/> slots whose sweeps are a probe behind the stand-in store.</summary>
    private async Task<(IReadOnlyList<IActorRef> Slots, Akka.TestKit.TestProbe Broker, Akka.TestKit.TestProbe Sweeps)> NodeAsync(
        Dictionary<string, byte[]> served, int slots = 1, TimeSpan downloadTime = default)
    {
        var broker = CreateTestProbe();
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<WorkBrokerProxy>(broker.Ref, overwrite: true);
        ActorRegistry.Register<SweepRegionProxy>(Sys.ActorOf(Props.Create(() => new FakeStore(served, sweeps.Ref, downloadTime))), overwrite: true);
        var settings = new SlotSettings(_work) { RequestInterval = TimeSpan.FromSeconds(30), FlushInterval = TimeSpan.FromMilliseconds(50) };
        var infos = Enumerable.Range(0, slots).Select(i => new SlotInfo($"slot-{i}", "node-a", "cpu")).ToList();
        return (await SlotOnNode.StartAsync(Sys, ActorRegistry, infos, settings), broker, sweeps);
    }

    private async Task<(List<long> Steps, FinishTrial Finish)> RunAsync(IReadOnlyList<ArtifactInfo> checkpoints, Dictionary<string, byte[]> served)
    {
        var (slots, broker, sweeps) = await NodeAsync(served);
        var slot = slots[0];
        await broker.ExpectMsgAsync<RequestWork>();

        slot.Tell(new AssignTrial(Id, 0, 2, "synthetic",
            new Dictionary<string, ParamValue> { ["steps"] = ParamValue.Of(6L) }, 3, checkpoints));
        // Nothing is acknowledged here, so the progress reports repeat the points (every flush sends them all again), and
        // the result carries every point the attempt reported, in order.
        while (true)
        {
            if (await sweeps.ReceiveOneAsync(TimeSpan.FromSeconds(20)) is FinishTrial f) return (f.Points.Select(p => p.Step).ToList(), f);
        }
    }

    [Fact]
    public async Task The_newest_intact_checkpoint_is_resumed_from()
    {
        var (c2, b2) = Checkpoint(2);
        var (c3, b3) = Checkpoint(3);
        var (steps, finish) = await RunAsync([c3, c2], new() { [c3.Sha256] = b3, [c2.Sha256] = b2 });

        Assert.Equal(TrialOutcome.Completed, finish.Outcome);
        Assert.Equal([4L, 5, 6], steps);
    }

    [Fact]
    public async Task A_damaged_newest_checkpoint_is_refused_and_the_previous_one_is_resumed_from()
    {
        var (c1, b1) = Checkpoint(1);
        var (c2, b2) = Checkpoint(2);
        var (c3, _) = Checkpoint(3);
        var served = new Dictionary<string, byte[]> { [c3.Sha256] = Forged(3), [c2.Sha256] = b2, [c1.Sha256] = b1 };

        var refused = EventFilter.Warning(contains: "checkpoint checkpoints/step-0000003.json refused");
        var (steps, finish) = await refused.ExpectOneAsync(() => RunAsync([c3, c2, c1], served));

        Assert.Equal(TrialOutcome.Completed, finish.Outcome);
        Assert.Equal([3L, 4, 5, 6], steps);
        var dir = Path.Combine(_work, Id.Value, "trial-00000", "attempt-2", "checkpoints");
        Assert.False(File.Exists(Path.Combine(dir, "step-0000001.json")), "an older checkpoint than needed was fetched");
        Assert.Empty(Directory.GetFiles(dir, "*.part"));
    }

    [Fact]
    public async Task A_checkpoint_missing_from_the_store_is_skipped_too()
    {
        var (c1, b1) = Checkpoint(1);
        var (c2, _) = Checkpoint(2);
        var (steps, finish) = await RunAsync([c2, c1], new() { [c1.Sha256] = b1 });

        Assert.Equal(TrialOutcome.Completed, finish.Outcome);
        Assert.Equal([2L, 3, 4, 5, 6], steps);
    }

    [Fact]
    public async Task With_no_intact_checkpoint_the_trial_starts_from_scratch()
    {
        var (c1, _) = Checkpoint(1);
        var (c2, _) = Checkpoint(2);
        var (steps, finish) = await RunAsync([c2, c1], new() { [c2.Sha256] = Forged(2), [c1.Sha256] = Forged(1) });

        Assert.Equal(TrialOutcome.Completed, finish.Outcome);
        Assert.Equal([1L, 2, 3, 4, 5, 6], steps);
    }

    /// <summary>
    /// The chaos run of 2026-12-08 (seed 11): a worker frozen past its lease woke with attempt 1 still running while
    /// attempt 2 of the same trial started on its other slot. Attempt 1 wrote its next checkpoint after attempt 2 had
    /// cleared the trial's directory, attempt 2's job resumed from that file instead of the checkpoint the sweep gave
    /// it, and the steps in between were never reported: a hole in the history.
    /// </summary>
    [Fact]
    public async Task An_earlier_attempt_still_running_on_this_node_does_not_change_where_a_new_attempt_resumes()
    {
        var (c2, b2) = Checkpoint(2);
        // The checkpoint takes half a second to arrive, as over a busy network: attempt 1 writes meanwhile.
        var (slots, _, sweeps) = await NodeAsync(new() { [c2.Sha256] = b2 }, slots: 2, downloadTime: TimeSpan.FromMilliseconds(500));
        var parameters = new Dictionary<string, ParamValue>
        {
            ["steps"] = ParamValue.Of(400L), ["step_seconds"] = ParamValue.Of(0.01), ["checkpoint_every"] = ParamValue.Of(1L),
        };

        // Attempt 1 runs on slot-0, writing a checkpoint every step; no stop reaches it (its worker was frozen).
        slots[0].Tell(new AssignTrial(Id, 0, 1, "synthetic", parameters, -1, []));
        await sweeps.FishForMessageAsync<ReportProgress>(p => p.Attempt == 1 && p.Points.Count >= 3, TimeSpan.FromSeconds(20));

        // Attempt 2 on slot-1, from the stored checkpoint of step 2, while attempt 1 goes on.
        slots[1].Tell(new AssignTrial(Id, 0, 2, "synthetic", parameters, 2, [c2]));
        var first = await sweeps.FishForMessageAsync<ReportProgress>(p => p.Attempt == 2 && p.Points.Count > 0, TimeSpan.FromSeconds(20));

        Assert.Equal((2L, 3L), (first.After, first.Points[0].Step));
        slots[0].Tell(new StopTrial(Id, 0, 1, "superseded"));
        slots[1].Tell(new StopTrial(Id, 0, 2, "done"));
    }

    [Fact]
    public async Task Files_an_earlier_attempt_left_on_this_node_are_not_resumed_from()
    {
        // Attempt 1 got to step 5 here, but the sweep only recorded the checkpoint of step 2 (a coordinator crash).
        var trial = Path.Combine(_work, Id.Value, "trial-00000");
        var local = Path.Combine(trial, "attempt-1", "checkpoints");
        Directory.CreateDirectory(local);
        File.WriteAllText(Path.Combine(local, "step-0000005.json"), "{\"step\":5}");
        // Attempt 3 has prepared here already: this attempt 2 is a stale one, and must leave attempt 3's files alone.
        Directory.CreateDirectory(Path.Combine(trial, "attempt-3", "checkpoints"));
        var (c2, b2) = Checkpoint(2);

        var (steps, finish) = await RunAsync([c2], new() { [c2.Sha256] = b2 });

        Assert.Equal(TrialOutcome.Completed, finish.Outcome);
        Assert.Equal([3L, 4, 5, 6], steps);
        // What attempt 1 left is gone: a node does not keep every attempt's files.
        Assert.Equal(["attempt-2", "attempt-3"], Directory.GetDirectories(trial).Select(Path.GetFileName).Order());
    }
}
