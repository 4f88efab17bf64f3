using Akka.Actor;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.Shared.Hosting;
using Atelier.GpuWorker.Hosting;
using Atelier.GpuWorker.Jobs;
using Atelier.GpuWorker.Slots;
using Atelier.Contracts.Jobs;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.GpuWorker.Tests.Slots;

/// <summary>A slot running the real synthetic job, with probes standing in for the broker and the sweeps.</summary>
public sealed class SlotActorTests : Akka.Hosting.TestKit.TestKit
{
    private static readonly SweepId Id = new("slot-test");
    private readonly string _work = Directory.CreateTempSubdirectory("atelier-slot-").FullName;
    private readonly SlotInfo _slot = new("slot-0", "node-a", "cpu");

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

    private async Task<(IActorRef Slot, Akka.TestKit.TestProbe Broker, Akka.TestKit.TestProbe Sweeps)> Start(TimeSpan? uploadWait = null)
    {
        var broker = CreateTestProbe();
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<WorkBrokerProxy>(broker.Ref, overwrite: true);
        ActorRegistry.Register<SweepRegionProxy>(sweeps.Ref, overwrite: true);
        var settings = new SlotSettings(_work)
        {
            RequestInterval = TimeSpan.FromSeconds(30),
            FlushInterval = TimeSpan.FromMilliseconds(50),
            ResendInterval = TimeSpan.FromMilliseconds(300),
            // The probe standing in for the sweeps never answers an upload offer: do not hold results for long.
            UploadWait = uploadWait ?? TimeSpan.FromSeconds(1),
        };
        var slot = await SlotOnNode.StartAsync(Sys, ActorRegistry, _slot, settings);
        return (slot, broker, sweeps);
    }

    private static AssignTrial Synthetic(int index, int attempt, params (string Name, ParamValue Value)[] parameters) =>
        new(Id, index, attempt, "synthetic", parameters.ToDictionary(p => p.Name, p => p.Value), -1);

    /// <summary>Plays the sweep: acknowledges every report (as once written) and collects its points, until the finish.</summary>
    private static async Task<FinishTrial> CollectUntilFinish(Akka.TestKit.TestProbe sweeps, List<MetricPoint> points)
    {
        while (true)
        {
            var message = await sweeps.ReceiveOneAsync(TimeSpan.FromSeconds(10));
            switch (message)
            {
                case ReportProgress p:
                    points.AddRange(p.Points.Where(n => points.Count == 0 || n.Step > points[^1].Step));
                    if (p.Points.Count > 0) sweeps.Reply(new ProgressAck(p.SweepId, p.TrialIndex, p.Attempt, p.Points[^1].Step));
                    break;
                case FinishTrial f: points.AddRange(f.Points); return f;
                case ArtifactProtocol.OfferArtifact: break; // checkpoint uploads: their own test

                default: throw new Xunit.Sdk.XunitException($"unexpected {message}");
            }
        }
    }

    [Fact]
    public async Task Pulls_runs_the_job_off_thread_reports_every_step_and_pulls_again()
    {
        var (slot, broker, sweeps) = await Start();
        var request = await broker.ExpectMsgAsync<RequestWork>();
        Assert.Equal(slot, request.SlotRef);

        slot.Tell(Synthetic(3, 1, ("x", ParamValue.Of(0.5)), ("y", ParamValue.Of(0.0)), ("lr", ParamValue.Of(0.01)), ("steps", ParamValue.Of(4L))), sweeps.Ref);
        var points = new List<MetricPoint>();
        var finish = await CollectUntilFinish(sweeps, points);

        Assert.Equal((3, 1, TrialOutcome.Completed), (finish.TrialIndex, finish.Attempt, finish.Outcome));
        var expected = SyntheticObjective.Loss(0.5, 0.0, 0.01);
        Assert.Equal(expected, finish.FinalMetrics["loss"], 12);
        Assert.Equal([1L, 2, 3, 4], points.Select(p => p.Step));
        Assert.Equal(expected, points[^1].Values["loss"], 12);
        Assert.Null(finish.SlotIdleMs); // its first trial
        await broker.ExpectMsgAsync<RequestWork>();
    }

    [Fact]
    public async Task Re_sends_the_result_until_the_sweep_acknowledges_it()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(0, 1, ("steps", ParamValue.Of(1L))));
        var finish = await CollectUntilFinish(sweeps, []);

        var again = await sweeps.FishForMessageAsync<FinishTrial>(_ => true, TimeSpan.FromSeconds(3));
        Assert.Equal(finish, again);

        slot.Tell(new FinishAck(Id, 0, 1));
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(800));
    }

    [Fact]
    public async Task A_diverging_job_fails_its_attempt_and_nothing_non_finite_leaves_the_slot()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(2, 1, ("steps", ParamValue.Of(5L)), ("nan_at_step", ParamValue.Of(3L))));
        var points = new List<MetricPoint>();
        var finish = await CollectUntilFinish(sweeps, points);

        Assert.Equal(TrialOutcome.Failed, finish.Outcome);
        Assert.Equal("DivergedException: metric loss is NaN at step 3: the run diverged", finish.Error);
        Assert.Equal([1L, 2], points.Select(p => p.Step));
        Assert.All(points, p => Assert.True(double.IsFinite(p.Values["loss"])));
    }

    [Fact]
    public async Task A_failing_job_is_reported_failed_with_its_error()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(0, 1, ("fail_probability", ParamValue.Of(1.0))));

        var finish = await CollectUntilFinish(sweeps, []);

        Assert.Equal(TrialOutcome.Failed, finish.Outcome);
        Assert.Contains("synthetic failure at step 1", finish.Error);
    }

    [Fact]
    public async Task A_second_trial_offered_while_busy_is_rejected()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(0, 1, ("steps", ParamValue.Of(50L)), ("step_seconds", ParamValue.Of(0.05))));
        slot.Tell(Synthetic(1, 1));

        var reject = await sweeps.FishForMessageAsync<RejectTrial>(_ => true, TimeSpan.FromSeconds(3));
        Assert.Equal((1, 1), (reject.TrialIndex, reject.Attempt));
    }

    [Fact]
    public async Task A_stop_request_cancels_the_running_job_promptly_and_reports_it_cancelled()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(0, 1, ("steps", ParamValue.Of(1000L)), ("step_seconds", ParamValue.Of(0.05))));
        await sweeps.FishForMessageAsync<ReportProgress>(p => p.Points.Count > 0, TimeSpan.FromSeconds(5));

        slot.Tell(new StopTrial(Id, 0, 1, "sweep cancelled"));

        var finish = await sweeps.FishForMessageAsync<FinishTrial>(_ => true, TimeSpan.FromSeconds(2));
        Assert.Equal(TrialOutcome.Cancelled, finish.Outcome);
        await broker.ExpectMsgAsync<RequestWork>();
    }

    [Fact]
    public async Task Each_checkpoint_the_job_writes_is_offered_to_the_store_with_its_hash()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(4, 1, ("steps", ParamValue.Of(2L)), ("checkpoint_every", ParamValue.Of(1L))));

        var offer = await AcknowledgeUntil<ArtifactProtocol.OfferArtifact>(sweeps);
        Assert.Equal((4, 1, ArtifactInfo.Checkpoint, "checkpoints/step-0000001.json"),
            (offer.TrialIndex, offer.Attempt, offer.Artifact.Kind, offer.Artifact.FileName));
        var file = Path.Combine(_work, Id.Value, "trial-00004", "attempt-1", offer.Artifact.FileName);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))), offer.Artifact.Sha256);
        Assert.Equal(new FileInfo(file).Length, offer.Artifact.Size);
    }

    /// <summary>Plays the sweep, acknowledging every report, until a <typeparamref name="T"/> arrives.</summary>
    private static async Task<T> AcknowledgeUntil<T>(Akka.TestKit.TestProbe sweeps)
    {
        while (true)
        {
            switch (await sweeps.ReceiveOneAsync(TimeSpan.FromSeconds(10)))
            {
                case T wanted: return wanted;
                case ReportProgress { Points.Count: > 0 } p: sweeps.Reply(new ProgressAck(p.SweepId, p.TrialIndex, p.Attempt, p.Points[^1].Step)); break;
            }
        }
    }

    [Fact]
    public async Task Metrics_are_sent_again_until_the_sweep_acknowledges_them()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(0, 1, ("steps", ParamValue.Of(200L)), ("step_seconds", ParamValue.Of(0.02))));

        var first = await sweeps.FishForMessageAsync<ReportProgress>(p => p.Points.Count > 0, TimeSpan.FromSeconds(5));
        Assert.Equal(-1, first.After);
        Assert.Equal(1, first.Points[0].Step);
        // Not acknowledged (the batch was lost, or the sweep has not written it yet): the next report starts there again.
        var second = await sweeps.FishForMessageAsync<ReportProgress>(p => p.Points.Count > first.Points.Count, TimeSpan.FromSeconds(5));
        Assert.Equal(-1, second.After);
        Assert.Equal(first.Points.Select(p => p.Step), second.Points.Take(first.Points.Count).Select(p => p.Step));

        var through = second.Points[^1].Step;
        slot.Tell(new ProgressAck(Id, 0, 1, through), sweeps.Ref);
        var third = await sweeps.FishForMessageAsync<ReportProgress>(p => p.Points.Count > 0, TimeSpan.FromSeconds(5));
        Assert.Equal(through, third.After);
        Assert.Equal(through + 1, third.Points[0].Step);
        slot.Tell(new StopTrial(Id, 0, 1, "done"));
    }

    [Fact]
    public async Task A_result_carries_at_most_one_batch_of_metrics_the_rest_go_first_and_are_acknowledged()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        // 5,000 steps at once: the job ends before the sweep has acknowledged anything.
        slot.Tell(Synthetic(0, 1, ("steps", ParamValue.Of(5000L)), ("step_seconds", ParamValue.Of(0.0))));

        // Nothing acknowledged: progress keeps coming, the result does not (it would carry all 5,000 points).
        var unanswered = await sweeps.ReceiveWhileAsync(TimeSpan.FromSeconds(2), m => m).ToListAsync();
        Assert.DoesNotContain(unanswered, m => m is FinishTrial);
        Assert.All(unanswered.OfType<ReportProgress>(), p => Assert.True(p.Points.Sum(n => n.Values.Count + 1) <= 2000));

        var points = new List<MetricPoint>();
        var finish = await CollectUntilFinish(sweeps, points);
        Assert.Equal(TrialOutcome.Completed, finish.Outcome);
        Assert.True(finish.Points.Sum(n => n.Values.Count + 1) <= 2000, $"the result carries {finish.Points.Count} points");
        Assert.Equal(Enumerable.Range(1, 5000).Select(s => (long)s), points.Select(p => p.Step));
    }

    [Fact]
    public async Task A_stop_releases_a_checkpoint_waiting_for_acknowledgement_and_the_result_goes_at_once()
    {
        var (slot, broker, sweeps) = await Start(uploadWait: TimeSpan.FromMinutes(5));
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(0, 1, ("steps", ParamValue.Of(1000L)), ("step_seconds", ParamValue.Of(0.05)), ("checkpoint_every", ParamValue.Of(3L))));
        // Steps 1-3 and the checkpoint of step 3 are waiting; the sweep stopped the trial early and acknowledges nothing more.
        await sweeps.FishForMessageAsync<ReportProgress>(p => p.Points.Count >= 3, TimeSpan.FromSeconds(10));

        slot.Tell(new StopTrial(Id, 0, 1, "stopped early"));

        var finish = await sweeps.FishForMessageAsync<FinishTrial>(_ => true, TimeSpan.FromSeconds(10));
        Assert.Equal(TrialOutcome.Cancelled, finish.Outcome);
        await broker.FishForMessageAsync<RequestWork>(_ => true, TimeSpan.FromSeconds(5)); // the slot is free again
    }

    [Fact]
    public async Task A_checkpoint_is_offered_only_once_the_metrics_of_its_step_are_acknowledged()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(0, 1, ("steps", ParamValue.Of(1000L)), ("step_seconds", ParamValue.Of(0.05)), ("checkpoint_every", ParamValue.Of(3L))));

        // The job reports steps 1-3 and writes the checkpoint of step 3; nothing is acknowledged yet.
        await sweeps.FishForMessageAsync<ReportProgress>(p => p.Points.Count >= 3, TimeSpan.FromSeconds(10));
        var waiting = await sweeps.ReceiveWhileAsync(TimeSpan.FromMilliseconds(600), m => m).ToListAsync();
        Assert.DoesNotContain(waiting, m => m is ArtifactProtocol.OfferArtifact);

        slot.Tell(new ProgressAck(Id, 0, 1, 2), sweeps.Ref);
        var still = await sweeps.ReceiveWhileAsync(TimeSpan.FromMilliseconds(600), m => m).ToListAsync();
        Assert.DoesNotContain(still, m => m is ArtifactProtocol.OfferArtifact);

        slot.Tell(new ProgressAck(Id, 0, 1, 3), sweeps.Ref);
        var offer = await sweeps.FishForMessageAsync<ArtifactProtocol.OfferArtifact>(_ => true, TimeSpan.FromSeconds(5));
        Assert.Equal((ArtifactInfo.Checkpoint, 3L), (offer.Artifact.Kind, offer.Artifact.Step));
        slot.Tell(new StopTrial(Id, 0, 1, "done"));
    }

    [Fact]
    public async Task An_attempt_given_no_checkpoint_starts_from_scratch_whatever_an_earlier_attempt_left_on_the_node()
    {
        var (slot, broker, sweeps) = await Start();
        await broker.ExpectMsgAsync<RequestWork>();
        slot.Tell(Synthetic(0, 1, ("steps", ParamValue.Of(5L)), ("checkpoint_every", ParamValue.Of(1L))));
        await CollectUntilFinish(sweeps, []);
        slot.Tell(new FinishAck(Id, 0, 1));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(_work, Id.Value, "trial-00000", "attempt-1", "checkpoints")));

        // Attempt 2 of the same trial with no stored checkpoint (the uploads never made it): the files attempt 1 left
        // are not a resume point the sweep knows of, so it runs every step again.
        slot.Tell(Synthetic(0, 2, ("steps", ParamValue.Of(5L)), ("checkpoint_every", ParamValue.Of(1L))) with { LastStep = 5 });
        var points = new List<MetricPoint>();
        var finish = await CollectUntilFinish(sweeps, points);

        Assert.Equal(TrialOutcome.Completed, finish.Outcome);
        Assert.Equal([1L, 2, 3, 4, 5], points.Select(p => p.Step));
        Assert.NotNull(finish.SlotIdleMs);
    }
}
