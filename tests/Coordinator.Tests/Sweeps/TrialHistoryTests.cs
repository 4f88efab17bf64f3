using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Sweeps;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.ArtifactProtocol;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.SweepEvents;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Sweeps;

/// <summary>
/// The contract that keeps a trial's history whole across attempts: metrics are acknowledged once recorded, a report
/// records only what continues the history, a checkpoint becomes a resume point only after the metrics of its step,
/// and an attempt that is no longer current records nothing.
/// </summary>
public sealed class TrialHistoryTests
{
    private static readonly SweepId Id = new("history-1");
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 6, 0, 0, TimeSpan.Zero);
    private static readonly IActorRef Broker = new FakeRef("broker");
    private static readonly IActorRef SlotRef = new FakeRef("slot");
    private static readonly IActorRef Ingest = new FakeRef("ingest");
    private static readonly SlotInfo Slot = new("slot-0", "node-a", "cpu");

    private static SweepState Created()
    {
        var state = new SweepState(TimeSpan.FromSeconds(30));
        Run(ref state, new CreateSweep(Id, Specs.Grid(2), "yaml", 7, T0));
        return state;
    }

    private static SweepDecision Run(ref SweepState state, ISweepCommand command, IActorRef? sender = null)
    {
        var decision = state.Process(command, sender ?? Broker, T0);
        foreach (var e in decision.Events) state = state.Apply(e);
        return decision;
    }

    private static AssignTrial Lease(ref SweepState state) =>
        Assert.IsType<AssignTrial>(Assert.Single(Run(ref state, new LeaseTrial(Id, Slot, SlotRef)).Replies).Message);

    private static List<MetricPoint> Steps(long from, long to) =>
        Enumerable.Range((int)from, (int)(to - from + 1)).Select(s => new MetricPoint(s, new Dictionary<string, double> { ["loss"] = 1.0 / s })).ToList();

    private static ArtifactInfo Checkpoint(long step) => new(ArtifactInfo.Checkpoint, step, $"ckpt-{step}", new string((char)('a' + step), 64), 10);

    private static SweepDecision Report(ref SweepState state, int attempt, long after, long from, long to) =>
        Run(ref state, new ReportProgress(Id, 0, attempt, Steps(from, to), after), SlotRef);

    private static string? RecordError(SweepDecision d) => Assert.IsType<ArtifactRecorded>(Assert.Single(d.Replies).Message).Error;

    [Fact]
    public void Recorded_metrics_are_acknowledged_to_the_slot_through_their_last_step()
    {
        var state = Created();
        var a = Lease(ref state);
        var d = Report(ref state, a.Attempt, -1, 1, 3);
        Assert.Equal([1L, 2, 3], Assert.IsType<TrialMetricsRecorded>(Assert.Single(d.Events)).Points.Select(p => p.Step));
        var reply = Assert.Single(d.Replies);
        Assert.Same(SlotRef, reply.To);
        Assert.Equal(new ProgressAck(Id, 0, a.Attempt, 3), reply.Message);
        Assert.Equal(3, state.Trials[0].Through);
    }

    [Fact]
    public void A_resent_batch_records_only_the_steps_not_recorded_yet_and_is_acknowledged_again()
    {
        var state = Created();
        var a = Lease(ref state);
        Report(ref state, a.Attempt, -1, 1, 3);
        // The acknowledgement was lost: the slot sends steps 1-5 again, still after step -1.
        var d = Report(ref state, a.Attempt, -1, 1, 5);
        Assert.Equal([4L, 5], Assert.IsType<TrialMetricsRecorded>(Assert.Single(d.Events)).Points.Select(p => p.Step));
        Assert.Equal(new ProgressAck(Id, 0, a.Attempt, 5), Assert.Single(d.Replies).Message);

        var again = Report(ref state, a.Attempt, -1, 1, 5);
        Assert.Empty(again.Events);
        Assert.Equal(new ProgressAck(Id, 0, a.Attempt, 5), Assert.Single(again.Replies).Message);
    }

    [Fact]
    public void A_report_that_does_not_continue_the_history_records_nothing_and_sends_the_trial_back_to_the_queue()
    {
        var state = Created();
        var a = Lease(ref state);
        Report(ref state, a.Attempt, -1, 1, 3);
        // Steps 4 and 5 never arrived (acknowledged, then lost by the journal): the slot goes on after step 5.
        var d = Report(ref state, a.Attempt, 5, 6, 8);

        var requeued = Assert.IsType<TrialRequeued>(Assert.Single(d.Events));
        Assert.Contains("its metrics after step 3 are not recorded and the slot went on after step 5", requeued.Reason);
        Assert.IsType<StopTrial>(Assert.Single(d.Replies).Message);
        Assert.Equal([1L, 2, 3], state.Trials[0].History.Keys);
        Assert.Equal(TrialStatus.Pending, state.Trials[0].Status);
    }

    [Fact]
    public void A_checkpoint_is_refused_until_the_metrics_of_its_step_are_recorded()
    {
        var state = Created();
        var a = Lease(ref state);
        Report(ref state, a.Attempt, -1, 1, 3);

        var early = Run(ref state, new RecordArtifact(Id, 0, a.Attempt, Checkpoint(4)), Ingest);
        Assert.Empty(early.Events);
        Assert.Contains("checkpoint ckpt-4 of step 4 arrived before the metrics of that step were recorded (attempt 1 has them through step 3)", RecordError(early));

        Report(ref state, a.Attempt, 3, 4, 4);
        var recorded = Run(ref state, new RecordArtifact(Id, 0, a.Attempt, Checkpoint(4)), Ingest);
        Assert.IsType<TrialArtifactStored>(Assert.Single(recorded.Events));
        Assert.Null(RecordError(recorded));
    }

    [Fact]
    public void A_resumed_attempt_continues_after_its_checkpoint_and_overwrites_the_steps_it_runs_again()
    {
        var state = Created();
        var first = Lease(ref state);
        Report(ref state, first.Attempt, -1, 1, 6);
        Run(ref state, new RecordArtifact(Id, 0, first.Attempt, Checkpoint(4)), Ingest);
        Run(ref state, new RejectTrial(Id, 0, first.Attempt, "lease expired"));

        var second = Lease(ref state);
        Assert.Equal(4, Assert.Single(second.Checkpoints!).Step);
        Assert.Null(state.Trials[0].Through); // the new attempt has reported nothing yet
        var d = Report(ref state, second.Attempt, 4, 5, 8);
        Assert.Equal([5L, 6, 7, 8], Assert.IsType<TrialMetricsRecorded>(Assert.Single(d.Events)).Points.Select(p => p.Step));
        Assert.Equal(Enumerable.Range(1, 8).Select(s => (long)s), state.Trials[0].History.Keys);
        Assert.Equal(8, state.Trials[0].Through);
    }

    [Fact]
    public void A_resumed_attempt_that_ends_before_the_earlier_one_did_leaves_no_step_of_the_earlier_one_beyond_it()
    {
        var state = Created();
        var first = Lease(ref state);
        Report(ref state, first.Attempt, -1, 1, 10);
        Run(ref state, new RecordArtifact(Id, 0, first.Attempt, Checkpoint(5)), Ingest);
        Run(ref state, new RejectTrial(Id, 0, first.Attempt, "lease expired"));

        var second = Lease(ref state);
        Assert.Equal(5, second.Checkpoints!.Max(c => c.Step));
        Report(ref state, second.Attempt, 5, 6, 7);
        Run(ref state, new FinishTrial(Id, 0, second.Attempt, TrialOutcome.Failed, new Dictionary<string, double>(), "job failed", [], 0, 7), SlotRef);

        // Steps 8-10 were the first attempt's: the trial's history ends where its last attempt ended.
        Assert.Equal(Enumerable.Range(1, 7).Select(s => (long)s), state.Trials[0].History.Keys);
        Assert.Equal(7, state.Trials[0].LastStep);
    }

    [Fact]
    public void An_attempt_that_is_no_longer_current_records_nothing_and_is_told_to_stop()
    {
        var state = Created();
        var zombie = Lease(ref state);
        Report(ref state, zombie.Attempt, -1, 1, 2);
        Run(ref state, new CheckLeases(T0.AddMinutes(5)));
        var current = Lease(ref state);
        Assert.Equal(2, current.Attempt);

        var late = Report(ref state, zombie.Attempt, 2, 3, 4);
        Assert.Empty(late.Events);
        var stop = Assert.IsType<StopTrial>(Assert.Single(late.Replies).Message);
        Assert.Equal((0, 1), (stop.TrialIndex, stop.Attempt));
        Assert.Contains("attempt 1 of trial 0 is no longer current (the trial is running, attempt 2)", stop.Reason);

        var upload = Run(ref state, new RecordArtifact(Id, 0, zombie.Attempt, Checkpoint(2)), Ingest);
        Assert.Empty(upload.Events);
        Assert.Contains("attempt 1 of trial 0 is no longer current", RecordError(upload));
        Assert.Equal([1L, 2], state.Trials[0].History.Keys);
    }

    [Fact]
    public void Only_checkpoints_no_later_than_the_last_recorded_step_are_offered_to_resume_from()
    {
        // A journal written before checkpoints waited for their metrics: a checkpoint of step 6 recorded while the
        // history ends at step 4. Resuming from it would skip steps 5 and 6.
        var state = Created();
        var first = Lease(ref state);
        Report(ref state, first.Attempt, -1, 1, 4);
        state = state.Apply(new TrialArtifactStored(0, first.Attempt, Checkpoint(2), T0));
        state = state.Apply(new TrialArtifactStored(0, first.Attempt, Checkpoint(6), T0));
        Run(ref state, new RejectTrial(Id, 0, first.Attempt, "lease expired"));

        Assert.Equal([2L], Lease(ref state).Checkpoints!.Select(c => c.Step));
    }

    [Fact]
    public void A_finish_records_its_remaining_metrics_after_what_is_recorded()
    {
        var state = Created();
        var a = Lease(ref state);
        Report(ref state, a.Attempt, -1, 1, 3);
        var d = Run(ref state, new FinishTrial(Id, 0, a.Attempt, TrialOutcome.Completed, new Dictionary<string, double> { ["loss"] = 0.2 }, null,
            Steps(2, 5), After: 1), SlotRef);

        Assert.Equal([4L, 5], Assert.IsType<TrialMetricsRecorded>(d.Events[0]).Points.Select(p => p.Step));
        Assert.IsType<TrialFinished>(d.Events[1]);
        Assert.Equal(TrialStatus.Completed, state.Trials[0].Status);
        Assert.Equal(Enumerable.Range(1, 5).Select(s => (long)s), state.Trials[0].History.Keys);
    }

    [Fact]
    public void The_steps_an_attempt_has_recorded_survive_a_snapshot()
    {
        var state = Created();
        var a = Lease(ref state);
        Report(ref state, a.Attempt, -1, 1, 3);
        var restored = SweepState.FromSnapshot(state.ToSnapshot(), TimeSpan.FromSeconds(30));

        Assert.Equal(3, restored.Trials[0].Through);
        Assert.Empty(restored.Process(new ReportProgress(Id, 0, a.Attempt, Steps(2, 3), 1), SlotRef, T0).Events);
    }
}
