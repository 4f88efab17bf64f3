using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Sweeps;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.SweepEvents;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Sweeps;

public sealed class SweepStateTests
{
    private static readonly SweepId Id = new("test-1");
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private static readonly IActorRef Broker = new FakeRef("broker");
    private static readonly IActorRef SlotRef = new FakeRef("slot");
    private static readonly SlotInfo Slot = new("slot-0", "node-a", "cpu");

    private static SweepState Created(int values = 3, int maxConcurrent = 0, int maxRetries = 2)
    {
        var state = new SweepState(TimeSpan.FromSeconds(30));
        var spec = Specs.Grid(values, maxConcurrent, maxRetries);
        Run(ref state, new CreateSweep(Id, spec, "yaml", 7, T0), Broker, T0);
        return state;
    }

    private static SweepDecision Run(ref SweepState state, ISweepCommand command, IActorRef sender, DateTimeOffset now)
    {
        var decision = state.Process(command, sender, now);
        foreach (var e in decision.Events) state = state.Apply(e);
        return decision;
    }

    private static AssignTrial Lease(ref SweepState state, DateTimeOffset? now = null)
    {
        var d = Run(ref state, new LeaseTrial(Id, Slot, SlotRef), Broker, now ?? T0);
        var reply = Assert.Single(d.Replies);
        Assert.Same(SlotRef, reply.To);
        return Assert.IsType<AssignTrial>(reply.Message);
    }

    [Fact]
    public void Create_expands_the_grid_into_pending_trials_and_replies_created()
    {
        var state = new SweepState(TimeSpan.FromSeconds(30));
        var d = state.Process(new CreateSweep(Id, Specs.Grid(4), "yaml", 7, T0), Broker, T0);

        var created = Assert.IsType<SweepCreated>(Assert.Single(d.Events));
        Assert.Equal(4, created.Trials.Count);
        Assert.False(state.IsCreated); // Process decides; only Apply changes state.
        state = state.Apply(created);
        Assert.Equal(4, state.PendingCount);
        Assert.Equal(new CreateSweepReply(Id, true, 4, null), Assert.Single(d.Replies).Message);
    }

    [Fact]
    public void Create_again_with_the_same_spec_is_idempotent_but_a_different_one_is_refused()
    {
        var state = Created();
        var same = Run(ref state, new CreateSweep(Id, state.Spec!, "yaml", 7, T0), Broker, T0);
        Assert.Empty(same.Events);
        Assert.True(((CreateSweepReply)same.Replies[0].Message).Created);

        var other = Run(ref state, new CreateSweep(Id, state.Spec!, "other yaml", 7, T0), Broker, T0);
        Assert.Empty(other.Events);
        var reply = (CreateSweepReply)other.Replies[0].Message;
        Assert.False(reply.Created);
        Assert.Contains("already exists", reply.Error);
    }

    [Fact]
    public void Lease_assigns_trials_in_index_order_with_their_parameters()
    {
        var state = Created();
        var first = Lease(ref state);
        var second = Lease(ref state);

        Assert.Equal((0, 1), (first.TrialIndex, first.Attempt));
        Assert.Equal(1, second.TrialIndex);
        Assert.Equal(0.1, second.Parameters["x"].AsDouble(), 12);
        Assert.Equal("synthetic", second.Job);
        Assert.Equal(2, state.Running);
        Assert.Equal(TrialStatus.Running, state.Trials[0].Status);
    }

    [Fact]
    public void Lease_answers_no_work_to_the_broker_when_max_concurrent_is_reached()
    {
        var state = Created(values: 3, maxConcurrent: 1);
        Lease(ref state);
        var d = Run(ref state, new LeaseTrial(Id, Slot, SlotRef), Broker, T0);

        Assert.Empty(d.Events);
        Assert.Same(Broker, d.Replies[0].To);
        Assert.IsType<NoWork>(d.Replies[0].Message);
        Assert.False(state.CanLease);
    }

    [Fact]
    public void Finish_records_metrics_completes_the_trial_and_acknowledges()
    {
        var state = Created(values: 1);
        var a = Lease(ref state);
        var points = new[] { new MetricPoint(1, new Dictionary<string, double> { ["loss"] = 2.0 }) };
        var d = Run(ref state, new FinishTrial(Id, a.TrialIndex, a.Attempt, TrialOutcome.Completed,
            new Dictionary<string, double> { ["loss"] = 1.5 }, null, points), SlotRef, T0.AddSeconds(5));

        Assert.Equal([typeof(TrialMetricsRecorded), typeof(TrialFinished)], d.Events.Select(e => e.GetType()));
        Assert.Equal(new FinishAck(Id, 0, 1), d.Replies[0].Message);
        var t = state.Trials[0];
        Assert.Equal(TrialStatus.Completed, t.Status);
        Assert.Equal(1.5, t.Metrics["loss"]);
        Assert.Equal(2.0, t.History[1]["loss"]);
        Assert.True(state.IsFinished);
        Assert.Equal(T0.AddSeconds(5), state.FinishedAt);
        Assert.Equal(0, state.Running);
    }

    [Fact]
    public void A_late_finish_of_an_old_attempt_is_acknowledged_and_ignored()
    {
        var state = Created(values: 1);
        var first = Lease(ref state);
        Run(ref state, new CheckLeases(T0.AddMinutes(5)), Broker, T0.AddMinutes(5)); // attempt 1 lost
        var second = Lease(ref state, T0.AddMinutes(5));
        Assert.Equal(2, second.Attempt);

        var late = Run(ref state, new FinishTrial(Id, 0, first.Attempt, TrialOutcome.Completed,
            new Dictionary<string, double> { ["loss"] = 9 }, null, []), SlotRef, T0.AddMinutes(6));

        Assert.Empty(late.Events);
        Assert.IsType<FinishAck>(late.Replies[0].Message);
        Assert.Equal(TrialStatus.Running, state.Trials[0].Status);
    }

    [Fact]
    public void A_failing_trial_is_retried_max_retries_times_then_marked_failed_with_its_error()
    {
        var state = Created(values: 1, maxRetries: 1);
        var a1 = Lease(ref state);
        Run(ref state, new FinishTrial(Id, 0, a1.Attempt, TrialOutcome.Failed, new Dictionary<string, double>(), "boom 1", []), SlotRef, T0);
        Assert.Equal(TrialStatus.Pending, state.Trials[0].Status);

        var a2 = Lease(ref state);
        Assert.Equal(2, a2.Attempt);
        Run(ref state, new FinishTrial(Id, 0, a2.Attempt, TrialOutcome.Failed, new Dictionary<string, double>(), "boom 2", []), SlotRef, T0);

        Assert.Equal(TrialStatus.Failed, state.Trials[0].Status);
        Assert.Equal("boom 2", state.Trials[0].Error);
        Assert.True(state.IsFinished);
        Assert.False(state.CanLease);
    }

    [Fact]
    public void An_expired_lease_requeues_the_trial_but_progress_keeps_it()
    {
        var state = Created(values: 2);
        var a = Lease(ref state, T0);
        Lease(ref state, T0);
        state = state.Touch(a.TrialIndex, a.Attempt, T0.AddSeconds(25)); // trial 0 heard from, trial 1 silent

        var d = Run(ref state, new CheckLeases(T0.AddSeconds(40)), Broker, T0.AddSeconds(40));

        var requeued = Assert.IsType<TrialRequeued>(Assert.Single(d.Events));
        Assert.Equal(1, requeued.TrialIndex);
        Assert.Contains("lease expired", requeued.Reason);
        Assert.Equal(TrialStatus.Running, state.Trials[0].Status);
        Assert.Equal(TrialStatus.Pending, state.Trials[1].Status);
        Assert.Equal(0, state.Trials[1].Failures); // a lost worker is not the trial's failure
    }

    [Fact]
    public void A_rejected_trial_goes_back_to_the_queue_and_is_leased_again_as_a_new_attempt()
    {
        var state = Created(values: 1);
        var a = Lease(ref state);
        Run(ref state, new RejectTrial(Id, 0, a.Attempt, "busy"), SlotRef, T0);
        Assert.True(state.CanLease);
        Assert.Equal(2, Lease(ref state).Attempt);
    }

    [Fact]
    public void Resumed_attempts_are_told_the_last_recorded_step()
    {
        var state = Created(values: 1);
        var a = Lease(ref state);
        Run(ref state, new ReportProgress(Id, 0, a.Attempt, [new MetricPoint(2, new Dictionary<string, double> { ["loss"] = 1 })]), SlotRef, T0);
        Run(ref state, new RejectTrial(Id, 0, a.Attempt, "worker stopping"), SlotRef, T0);

        Assert.Equal(2, Lease(ref state).LastStep);
    }

    [Fact]
    public void Cancel_cancels_pending_trials_stops_running_ones_and_keeps_completed_results()
    {
        var state = Created(values: 3);
        var done = Lease(ref state);
        Run(ref state, new FinishTrial(Id, done.TrialIndex, done.Attempt, TrialOutcome.Completed,
            new Dictionary<string, double> { ["loss"] = 0.4 }, null, []), SlotRef, T0);
        var running = Lease(ref state);

        var d = Run(ref state, new CancelSweep(Id, "enough"), Broker, T0.AddSeconds(1));

        Assert.IsType<SweepCancelled>(Assert.Single(d.Events));
        Assert.True(((CancelSweepReply)d.Replies[0].Message).Cancelled);
        var stop = Assert.Single(d.ToSlots);
        Assert.Equal("node-a/user/slot-0", stop.Path);
        Assert.Equal(new StopTrial(Id, running.TrialIndex, running.Attempt, "enough"), stop.Message);
        Assert.Equal([TrialStatus.Completed, TrialStatus.Running, TrialStatus.Cancelled], state.Trials.Select(t => t.Status));
        Assert.False(state.CanLease);
        Assert.False(state.IsFinished);

        // The slot stops the job and reports it: now the sweep has finished, cancelled.
        Run(ref state, new FinishTrial(Id, running.TrialIndex, running.Attempt, TrialOutcome.Cancelled,
            new Dictionary<string, double>(), "stopped on request", []), SlotRef, T0.AddSeconds(2));
        Assert.Equal(TrialStatus.Cancelled, state.Trials[1].Status);
        Assert.True(state.IsFinished);
        Assert.Equal(0.4, state.Trials[0].Metrics["loss"]);
        Assert.Equal(SweepStatus.Cancelled, SweepView.ToDto(state, false).Status);
    }

    [Fact]
    public void Cancelling_twice_or_after_the_end_changes_nothing()
    {
        var state = Created(values: 1);
        Run(ref state, new CancelSweep(Id, "x"), Broker, T0);
        var again = Run(ref state, new CancelSweep(Id, "x"), Broker, T0);
        Assert.Empty(again.Events);
        Assert.Contains("already cancelled", ((CancelSweepReply)again.Replies[0].Message).Message);
    }

    [Fact]
    public void A_cancelled_sweep_repeats_stop_requests_until_its_trials_end()
    {
        var state = Created(values: 1);
        var a = Lease(ref state);
        Run(ref state, new CancelSweep(Id, "x"), Broker, T0);

        var tick = Run(ref state, new CheckLeases(T0.AddSeconds(5)), Broker, T0.AddSeconds(5));
        Assert.Single(tick.ToSlots);

        // A lost slot's trial is cancelled, not requeued.
        Run(ref state, new CheckLeases(T0.AddMinutes(5)), Broker, T0.AddMinutes(5));
        Assert.Equal(TrialStatus.Cancelled, state.Trials[a.TrialIndex].Status);
        Assert.True(state.IsFinished);
    }

    [Fact]
    public void A_paused_sweep_leases_nothing_until_resumed_and_running_trials_carry_on()
    {
        var state = Created(values: 2);
        var running = Lease(ref state);
        Run(ref state, new PauseSweep(Id), Broker, T0);

        Assert.Equal(SweepStatus.Paused, state.Status);
        Assert.False(state.CanLease);
        Run(ref state, new FinishTrial(Id, running.TrialIndex, running.Attempt, TrialOutcome.Completed,
            new Dictionary<string, double> { ["loss"] = 1 }, null, []), SlotRef, T0);
        Assert.Equal(TrialStatus.Completed, state.Trials[0].Status);

        var again = Run(ref state, new PauseSweep(Id), Broker, T0);
        Assert.False(((SweepControlReply)again.Replies[0].Message).Changed);
        Run(ref state, new ResumeSweep(Id), Broker, T0);
        Assert.Equal(1, Lease(ref state).TrialIndex);
    }

    [Fact]
    public void Extending_a_finished_grid_adds_only_configurations_it_has_not_run()
    {
        var state = Created(values: 2); // x = 0.0, 0.1
        for (var i = 0; i < 2; i++)
        {
            var a = Lease(ref state);
            Run(ref state, new FinishTrial(Id, a.TrialIndex, a.Attempt, TrialOutcome.Completed,
                new Dictionary<string, double> { ["loss"] = i }, null, []), SlotRef, T0);
        }
        Assert.True(state.IsFinished);

        var wider = Specs.Grid(4); // x = 0.0 … 0.3: two new
        var d = Run(ref state, new ExtendSweep(Id, wider, "wider"), Broker, T0.AddMinutes(1));

        var extended = Assert.IsType<SweepExtended>(Assert.Single(d.Events));
        Assert.Equal([2, 3], extended.NewTrials.Select(t => t.Index));
        Assert.Equal([0.2, 0.3], extended.NewTrials.Select(t => Math.Round(t.Parameters["x"].AsDouble(), 6)));
        Assert.Equal(SweepStatus.Running, state.Status);
        Assert.Null(state.FinishedAt);
        Assert.Equal(TrialStatus.Completed, state.Trials[0].Status); // history kept
        Assert.Equal(2, Lease(ref state).TrialIndex);

        var same = Run(ref state, new ExtendSweep(Id, wider, "wider"), Broker, T0);
        Assert.Empty(same.Events);
        Assert.Contains("adds no trial", ((SweepControlReply)same.Replies[0].Message).Message);
    }

    [Fact]
    public void Extending_with_another_job_or_metric_is_refused()
    {
        var state = Created(values: 2);
        var other = Specs.Grid(2) with { Metric = new MetricSpec("loss", MetricGoal.Maximize) };
        var d = Run(ref state, new ExtendSweep(Id, other, "other"), Broker, T0);
        Assert.Empty(d.Events);
        Assert.Contains("its metric is loss (minimize)", ((SweepControlReply)d.Replies[0].Message).Message);
    }

    [Fact]
    public void A_snapshot_restores_the_same_state()
    {
        var state = Created(values: 3);
        var a = Lease(ref state);
        Run(ref state, new ReportProgress(Id, 0, a.Attempt, [new MetricPoint(1, new Dictionary<string, double> { ["loss"] = 3 })]), SlotRef, T0);
        var b = Lease(ref state);
        Run(ref state, new FinishTrial(Id, b.TrialIndex, b.Attempt, TrialOutcome.Failed, new Dictionary<string, double>(), "x", []), SlotRef, T0);
        Run(ref state, new PauseSweep(Id), Broker, T0);

        var copy = SweepState.FromSnapshot(state.ToSnapshot(), TimeSpan.FromSeconds(30));

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(SweepView.ToDto(state, true), Contracts.Api.ApiJson.Options),
            System.Text.Json.JsonSerializer.Serialize(SweepView.ToDto(copy, true), Contracts.Api.ApiJson.Options));
        Assert.Equal((state.PendingCount, state.Running, state.IsPaused), (copy.PendingCount, copy.Running, copy.IsPaused));
    }

    [Fact]
    public void A_bayes_sweep_suggests_each_trial_when_leased_and_learns_from_completed_ones()
    {
        var state = new SweepState(TimeSpan.FromSeconds(30));
        var spec = Specs.Parse("""
            name: bayes
            job: synthetic
            method: bayes
            run_cap: 12
            metric: {name: loss, goal: minimize}
            parameters:
              x: {distribution: uniform, min: -1, max: 1}
              y: {distribution: uniform, min: -1, max: 1}
            """);
        var create = Run(ref state, new CreateSweep(Id, spec, "yaml", 5, T0), Broker, T0);
        Assert.Equal(12, ((CreateSweepReply)create.Replies[0].Message).Trials);
        Assert.Empty(state.Trials);
        Assert.True(state.CanLease);

        for (var i = 0; i < 12; i++)
        {
            var d = Run(ref state, new LeaseTrial(Id, Slot, SlotRef), Broker, T0);
            var suggested = Assert.IsType<TrialSuggested>(d.Events[0]);
            var a = (AssignTrial)d.Replies[0].Message;
            Assert.Equal((i, suggested.Trial.Parameters), (a.TrialIndex, a.Parameters));
            var loss = Contracts.Jobs.SyntheticObjective.Loss(a.Parameters["x"].AsDouble(), a.Parameters["y"].AsDouble(), 0.01);
            Run(ref state, new FinishTrial(Id, a.TrialIndex, a.Attempt, TrialOutcome.Completed,
                new Dictionary<string, double> { ["loss"] = loss }, null, []), SlotRef, T0);
        }

        Assert.True(state.IsFinished);
        Assert.False(state.CanLease);
        // Same seed and results: the same suggestions again (deterministic, replay-safe).
        var again = new SweepState(TimeSpan.FromSeconds(30));
        Run(ref again, new CreateSweep(Id, spec, "yaml", 5, T0), Broker, T0);
        var first = (AssignTrial)Run(ref again, new LeaseTrial(Id, Slot, SlotRef), Broker, T0).Replies[0].Message;
        Assert.Equal(state.Trials[0].Parameters, first.Parameters);
    }

    [Fact]
    public void Hyperband_stops_a_trial_that_is_not_in_the_top_third_at_a_rung_and_tells_its_slot()
    {
        var state = new SweepState(TimeSpan.FromSeconds(30));
        var spec = Specs.Parse("""
            name: asha
            job: synthetic
            method: grid
            metric: {name: loss, goal: minimize}
            early_terminate: {type: hyperband, min_iter: 1, eta: 3}
            parameters:
              x: {values: [0.1, 0.2, 0.3]}
            """);
        Run(ref state, new CreateSweep(Id, spec, "yaml", 5, T0), Broker, T0);
        var trials = Enumerable.Range(0, 3).Select(_ => Lease(ref state)).ToList();
        MetricPoint At(long step, double loss) => new(step, new Dictionary<string, double> { ["loss"] = loss });

        Run(ref state, new ReportProgress(Id, 0, 1, [At(1, 0.1)]), SlotRef, T0);
        Run(ref state, new ReportProgress(Id, 1, 1, [At(1, 0.2)]), SlotRef, T0);
        var d = Run(ref state, new ReportProgress(Id, 2, 1, [At(1, 0.9)]), SlotRef, T0);

        var stopped = Assert.IsType<TrialEarlyStopped>(d.Events[^1]);
        Assert.Equal((2, 1L), (stopped.TrialIndex, stopped.Rung));
        Assert.Contains("hyperband", stopped.Reason);
        Assert.Equal(new StopTrial(Id, 2, 1, stopped.Reason), Assert.Single(d.ToSlots).Message);
        Assert.Equal(TrialStatus.Stopped, state.Trials[2].Status);
        Assert.Equal(0.9, state.Trials[2].Metrics["loss"]);
        Assert.Equal(2, state.Running);

        // The slot's cancelled report of that attempt is acknowledged and changes nothing.
        var late = Run(ref state, new FinishTrial(Id, 2, 1, TrialOutcome.Cancelled, new Dictionary<string, double>(), "stopped", []), SlotRef, T0);
        Assert.Empty(late.Events);
        Assert.Equal(TrialStatus.Stopped, state.Trials[2].Status);
    }

    [Fact]
    public void Best_picks_the_completed_trial_with_the_lowest_loss()
    {
        var state = Created(values: 3);
        foreach (var loss in new[] { 0.5, 0.2, 0.9 })
        {
            var a = Lease(ref state);
            Run(ref state, new FinishTrial(Id, a.TrialIndex, a.Attempt, TrialOutcome.Completed,
                new Dictionary<string, double> { ["loss"] = loss }, null, []), SlotRef, T0);
        }

        Assert.Equal(1, SweepView.Best(state)!.Index);
        var dto = SweepView.ToDto(state, includeHistory: false);
        Assert.Equal(new Contracts.Api.TrialCountsDto(3, 0, 0, 3, 0, 0), dto.Counts);
        Assert.Equal(SweepStatus.Completed, dto.Status);
    }}
