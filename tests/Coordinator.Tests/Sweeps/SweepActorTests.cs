using Akka.Actor;
using Akka.Hosting;
using Atelier.Coordinator.Sweeps;
using Atelier.Coordinator.Work;
using Atelier.Contracts.Api;
using Atelier.Shared.Hosting;
using Atelier.Shared.Protocol;
using Atelier.Shared.Serialization;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Sweeps;

/// <summary>The sweep entity with a real (in-memory) journal and the production serializer binding.</summary>
public sealed class SweepActorTests : Akka.Hosting.TestKit.TestKit
{
    // The in-memory journal outlives one test's actor system: every test gets its own sweep.
    private readonly SweepId Id = new($"actor-test-{Guid.NewGuid():N}"[..40]);
    private static readonly SlotInfo Slot = new("slot-0", "node-a", "cpu");
    private static readonly SweepSettings Fast = new() { LeaseTimeout = TimeSpan.FromMilliseconds(400), TickInterval = TimeSpan.FromMilliseconds(100) };

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithAtelierSerialization().AddHocon(RecordingSnapshotStore.Hocon, HoconAddMode.Prepend);

    private IActorRef StartSweep(SweepSettings? settings = null) =>
        Sys.ActorOf(Props.Create(() => new SweepActor(Id.Value, ActorRegistry, settings ?? new SweepSettings())));

    private Akka.TestKit.TestProbe RegisterBroker()
    {
        var broker = CreateTestProbe();
        ActorRegistry.Register<WorkBroker>(broker.Ref, overwrite: true);
        return broker;
    }

    [Fact]
    public async Task Creates_announces_leases_finishes_and_recovers_from_its_journal()
    {
        var broker = RegisterBroker();
        var slot = CreateTestProbe();
        var sweep = StartSweep();

        sweep.Tell(new CreateSweep(Id, Specs.Grid(2), "yaml", 1, DateTimeOffset.UtcNow));
        Assert.True((await ExpectMsgAsync<CreateSweepReply>()).Created);
        await broker.ExpectMsgAsync<WorkAvailable>(w => Assert.Equal(Id, w.SweepId));

        sweep.Tell(new LeaseTrial(Id, Slot, slot.Ref), broker.Ref);
        var assign = await slot.ExpectMsgAsync<AssignTrial>();
        Assert.Equal((0, 1), (assign.TrialIndex, assign.Attempt));

        sweep.Tell(new FinishTrial(Id, 0, 1, TrialOutcome.Completed, new Dictionary<string, double> { ["loss"] = 0.5 }, null,
            [new MetricPoint(1, new Dictionary<string, double> { ["loss"] = 0.7 })]), slot.Ref);
        await slot.ExpectMsgAsync(new FinishAck(Id, 0, 1));

        // Stop it and start it again: everything must come back from the journal.
        Watch(sweep);
        Sys.Stop(sweep);
        await ExpectTerminatedAsync(sweep);
        var recovered = StartSweep();
        recovered.Tell(new SweepQueries.GetSweep(Id, IncludeHistory: true));
        var dto = (await ExpectMsgAsync<SweepQueries.SweepDetails>()).Sweep;

        Assert.Equal(2, dto.Trials.Count);
        Assert.Equal(TrialStatus.Completed, dto.Trials[0].Status);
        Assert.Equal(0.5, dto.Trials[0].Metrics["loss"]);
        Assert.Equal(0.7, dto.Trials[0].History![0].Values["loss"]);
        Assert.Equal(TrialStatus.Pending, dto.Trials[1].Status);
        Assert.Equal(0, dto.Best!.Index);
    }

    [Fact]
    public async Task A_silent_slot_loses_its_lease_and_the_trial_is_leased_again_as_attempt_two()
    {
        var broker = RegisterBroker();
        var slot = CreateTestProbe();
        var sweep = StartSweep(Fast);
        sweep.Tell(new CreateSweep(Id, Specs.Grid(1), "yaml", 1, DateTimeOffset.UtcNow));
        await ExpectMsgAsync<CreateSweepReply>();

        sweep.Tell(new LeaseTrial(Id, Slot, slot.Ref), broker.Ref);
        await slot.ExpectMsgAsync<AssignTrial>();

        // No progress reports: after the lease timeout the trial is pending again, as a new attempt.
        await AwaitAssertAsync(async () =>
        {
            sweep.Tell(new LeaseTrial(Id, Slot, slot.Ref), broker.Ref);
            var again = await slot.ExpectMsgAsync<AssignTrial>(TimeSpan.FromMilliseconds(200));
            Assert.Equal(2, again.Attempt);
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Progress_reports_keep_the_lease()
    {
        var broker = RegisterBroker();
        var slot = CreateTestProbe();
        // Heartbeats for twice the lease timeout, far more often than it: the lease never lapses.
        var sweep = StartSweep(Fast with { LeaseTimeout = TimeSpan.FromSeconds(1.5) });
        sweep.Tell(new CreateSweep(Id, Specs.Grid(1), "yaml", 1, DateTimeOffset.UtcNow));
        await ExpectMsgAsync<CreateSweepReply>();
        sweep.Tell(new LeaseTrial(Id, Slot, slot.Ref), broker.Ref);
        await slot.ExpectMsgAsync<AssignTrial>();

        for (var i = 0; i < 15; i++)
        {
            sweep.Tell(new ReportProgress(Id, 0, 1, []), slot.Ref);
            await Task.Delay(200);
        }

        sweep.Tell(new SweepQueries.GetSweep(Id, false));
        var dto = (await ExpectMsgAsync<SweepQueries.SweepDetails>()).Sweep;
        Assert.Equal(TrialStatus.Running, dto.Trials[0].Status);
        Assert.Equal(1, dto.Trials[0].Attempts);
    }

    [Fact]
    public async Task Recovers_from_a_snapshot_plus_the_events_after_it()
    {
        RegisterBroker();
        var slot = CreateTestProbe();
        var settings = new SweepSettings { SnapshotEvery = 3 };
        var sweep = StartSweep(settings);
        sweep.Tell(new CreateSweep(Id, Specs.Grid(4), "yaml", 1, DateTimeOffset.UtcNow));
        await ExpectMsgAsync<CreateSweepReply>();
        for (var i = 0; i < 3; i++)
        {
            sweep.Tell(new LeaseTrial(Id, Slot, slot.Ref));
            var a = await slot.ExpectMsgAsync<AssignTrial>();
            sweep.Tell(new FinishTrial(Id, a.TrialIndex, a.Attempt, TrialOutcome.Completed,
                new Dictionary<string, double> { ["loss"] = 10 - i }, null, []), slot.Ref);
            await slot.ExpectMsgAsync<FinishAck>();
        }
        sweep.Tell(new SweepQueries.GetSweep(Id, true));
        var before = (await ExpectMsgAsync<SweepQueries.SweepDetails>()).Sweep;
        // Snapshots are saved in the background: stopping before one is would test a replay from the start.
        await AwaitConditionAsync(() => Task.FromResult(RecordingSnapshotStore.Saved(Persistence).Count > 0), TimeSpan.FromSeconds(10));

        Watch(sweep);
        Sys.Stop(sweep);
        await ExpectTerminatedAsync(sweep);
        var recovered = StartSweep(settings);
        recovered.Tell(new SweepQueries.GetSweep(Id, true));
        var after = (await ExpectMsgAsync<SweepQueries.SweepDetails>()).Sweep;

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(before, Contracts.Api.ApiJson.Options),
            System.Text.Json.JsonSerializer.Serialize(after, Contracts.Api.ApiJson.Options));
        Assert.Equal(2, after.Best!.Index);
    }

    [Fact]
    public async Task Under_a_burst_every_snapshot_holds_exactly_the_events_up_to_its_number_and_they_go_on_after_it()
    {
        RegisterBroker();
        var slot = CreateTestProbe();
        var settings = new SweepSettings { SnapshotEvery = 10 };
        var sweep = StartSweep(settings);
        sweep.Tell(new CreateSweep(Id, Specs.Grid(2), "yaml", 1, DateTimeOffset.UtcNow));
        await ExpectMsgAsync<CreateSweepReply>();
        sweep.Tell(new LeaseTrial(Id, Slot, slot.Ref));
        var a = await slot.ExpectMsgAsync<AssignTrial>();

        // Sent without waiting, so that every snapshot falls due (every 10 events) while the rest of them are in the
        // mailbox and are written while it is serialized: 20 batches of 2,000 points, a history that takes a while to
        // serialize, then 200 batches of one point. A snapshot saved under the number reached when it is saved, rather
        // than that of the state it holds, would skip those on recovery.
        long step = 0;
        var batches = Enumerable.Range(0, 20).Select(_ => 2000).Concat(Enumerable.Repeat(1, 200)).ToList();
        foreach (var size in batches)
        {
            var points = Enumerable.Range(1, size).Select(i => new MetricPoint(step + i, new Dictionary<string, double> { ["loss"] = 1.0 / (step + i) })).ToList();
            sweep.Tell(new ReportProgress(Id, a.TrialIndex, a.Attempt, points, After: step == 0 ? -1 : step), slot.Ref);
            step += size;
        }
        // Each batch is acknowledged once written, in order.
        foreach (var through in batches.Select((_, i) => batches.Take(i + 1).Sum()))
            Assert.Equal(through, (await slot.ExpectMsgAsync<ProgressAck>()).Through);
        sweep.Tell(new SweepQueries.GetSweep(Id, true));
        var before = (await ExpectMsgAsync<SweepQueries.SweepDetails>()).Sweep;
        Assert.Equal(step, before.Trials[a.TrialIndex].History!.Count);

        // Snapshots go on after the burst: when the one in flight is saved, the next, due by then, is taken with no
        // command to prompt it, until fewer than 10 events are left after the last.
        var journal = await JournalAsync();
        var lastEvent = journal.Keys.Max();
        await AwaitConditionAsync(() => Task.FromResult(RecordingSnapshotStore.Saved(Persistence) is { Count: > 0 } saved
            && lastEvent - saved[^1].Metadata.SequenceNr < settings.SnapshotEvery), TimeSpan.FromSeconds(10));
        var snapshots = RecordingSnapshotStore.Saved(Persistence);
        foreach (var (metadata, snapshot) in snapshots)
        {
            var bytes = Assert.IsType<PreSerialized>(snapshot);
            var serializer = Sys.Serialization.FindSerializerForType(typeof(SweepSnapshot));
            var held = ((SweepSnapshot)Sys.Serialization.Deserialize(bytes.Bytes, serializer.Identifier, bytes.Manifest)).Trials[a.TrialIndex].History.Count;
            var written = journal.Where(e => e.Key <= metadata.SequenceNr).Sum(e => e.Value);
            Assert.True(written == held, $"the snapshot saved as of event {metadata.SequenceNr} holds {held} points; events 1 to {metadata.SequenceNr} hold {written}");
        }
        Assert.True(snapshots.Count >= 2, $"{snapshots.Count} snapshot(s) saved");

        Watch(sweep);
        Sys.Stop(sweep);
        await ExpectTerminatedAsync(sweep);
        var recovered = StartSweep(settings);
        recovered.Tell(new SweepQueries.GetSweep(Id, true));
        var after = (await ExpectMsgAsync<SweepQueries.SweepDetails>()).Sweep;
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(before.Trials, Contracts.Api.ApiJson.Options),
            System.Text.Json.JsonSerializer.Serialize(after.Trials, Contracts.Api.ApiJson.Options));
    }

    private string Persistence => "sweep-" + Id.Value;

    /// <summary>This sweep's journal: each event's sequence number and the metric points it records.</summary>
    private async Task<IReadOnlyDictionary<long, int>> JournalAsync()
    {
        var replay = CreateTestProbe();
        Akka.Persistence.Persistence.Instance.Apply(Sys).JournalFor(null)
            .Tell(new Akka.Persistence.ReplayMessages(1, long.MaxValue, long.MaxValue, Persistence, replay.Ref));
        var events = new Dictionary<long, int>();
        while (await replay.ExpectMsgAsync<object>() is Akka.Persistence.ReplayedMessage m)
            events[m.Persistent.SequenceNr] = m.Persistent.Payload is SweepEvents.TrialMetricsRecorded recorded ? recorded.Points.Count : 0;
        return events;
    }

    [Fact]
    public async Task Queries_for_a_sweep_that_does_not_exist_answer_not_found()
    {
        RegisterBroker();
        var sweep = StartSweep();
        sweep.Tell(new SweepQueries.GetSweep(Id, false));
        await ExpectMsgAsync(new SweepQueries.SweepNotFound(Id));
    }
}
