using Akka.Actor;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.GpuWorker.Hosting;
using Atelier.GpuWorker.Slots;
using Atelier.Shared.Hosting;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.GpuWorker.Tests.Slots;

/// <summary>
/// A node of two CPU slots under their <see cref="NodeDevicesActor"/>, running the real synthetic job, with probes
/// standing in for the broker and the sweeps: a two-device trial borrows the other slot, and a sweep reaches a slot at
/// the address it knows (<c>NODE/user/SLOT-ID</c>).
/// </summary>
public sealed class NodeDevicesActorTests : Akka.Hosting.TestKit.TestKit
{
    private static readonly SweepId Id = new("node-test");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly string _work = Directory.CreateTempSubdirectory("atelier-node-").FullName;
    private readonly SlotInfo[] _slots = [new("slot-0", "node-a", "cpu"), new("slot-1", "node-a", "cpu")];

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

    private async Task<(IReadOnlyList<IActorRef> Slots, Akka.TestKit.TestProbe Broker, Akka.TestKit.TestProbe Sweeps)> Start()
    {
        var broker = CreateTestProbe();
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<WorkBrokerProxy>(broker.Ref, overwrite: true);
        ActorRegistry.Register<SweepRegionProxy>(sweeps.Ref, overwrite: true);
        // Requests and statuses only when something happens, not on a timer.
        var settings = new SlotSettings(_work) { RequestInterval = TimeSpan.FromMinutes(5), FlushInterval = TimeSpan.FromMilliseconds(50) };
        var slots = await SlotOnNode.StartAsync(Sys, ActorRegistry, _slots, settings);
        return (slots, broker, sweeps);
    }

    private static AssignTrial Synthetic(int index, long steps, int devices = 1) =>
        new(Id, index, 1, "synthetic", new Dictionary<string, ParamValue> { ["steps"] = ParamValue.Of(steps), ["step_seconds"] = ParamValue.Of(0.05) },
            -1, Devices: devices);

    private static ValueTask<RequestWork> RequestFrom(Akka.TestKit.TestProbe broker, string slot) =>
        broker.FishForMessageAsync<RequestWork>(r => r.Slot.SlotId == slot, Wait);

    [Fact]
    public async Task A_two_device_trial_borrows_the_free_slot_which_takes_no_work_until_the_trial_ends()
    {
        var (slots, broker, sweeps) = await Start();
        var first = await broker.ExpectMsgAsync<RequestWork>(Wait);
        var second = await broker.ExpectMsgAsync<RequestWork>(Wait);
        Assert.All([first, second], r => Assert.Equal((2, 2), (r.FreeDevices, r.NodeDevices)));

        slots[0].Tell(Synthetic(0, steps: 20, devices: 2), sweeps.Ref);

        // The lent slot says at once that it is busy with the other slot's trial, and refuses a trial of its own.
        var lent = await broker.FishForMessageAsync<SlotStatus>(s => s.Slot.SlotId == "slot-1", Wait);
        Assert.Equal((true, Id, 0), (lent.Busy, lent.SweepId, lent.TrialIndex));
        slots[1].Tell(Synthetic(1, steps: 1), sweeps.Ref);
        var reject = await sweeps.FishForMessageAsync<RejectTrial>(_ => true, Wait);
        Assert.Equal((1, "slot slot-1 on node-a is lent to node-test trial 0"), (reject.TrialIndex, reject.Reason));

        // The trial ran on both devices; at its end both slots ask for work again, with both devices free.
        var finish = await sweeps.FishForMessageAsync<FinishTrial>(_ => true, Wait);
        Assert.Equal((TrialOutcome.Completed, 2.0), (finish.Outcome, finish.FinalMetrics["devices"]));
        foreach (var slot in new[] { "slot-0", "slot-1" })
            Assert.Equal(2, (await RequestFrom(broker, slot)).FreeDevices);
    }

    [Fact]
    public async Task A_trial_needing_more_devices_than_are_free_is_refused_and_reserves_nothing()
    {
        var (slots, broker, sweeps) = await Start();
        slots[0].Tell(Synthetic(0, steps: 200), sweeps.Ref);
        await sweeps.FishForMessageAsync<ReportProgress>(p => p.Points.Count > 0, Wait);

        slots[1].Tell(Synthetic(1, steps: 1, devices: 2), sweeps.Ref);
        var reject = await sweeps.FishForMessageAsync<RejectTrial>(_ => true, Wait);
        Assert.Equal((1, "the trial needs 2 devices and only 1 of the 2 on node-a are free"), (reject.TrialIndex, reject.Reason));

        slots[1].Tell(Synthetic(2, steps: 1), sweeps.Ref);
        Assert.Equal(2, (await sweeps.FishForMessageAsync<FinishTrial>(f => f.TrialIndex == 2, Wait)).TrialIndex);
        slots[0].Tell(new StopTrial(Id, 0, 1, "done"));
    }

    [Fact]
    public async Task A_stop_sent_to_the_slots_address_reaches_the_slot_under_its_node()
    {
        var (slots, broker, sweeps) = await Start();
        Sys.ActorOf(Props.Create(() => new SlotAddress(slots[0].Path)), "slot-0");
        slots[0].Tell(Synthetic(0, steps: 1000), sweeps.Ref);
        await sweeps.FishForMessageAsync<ReportProgress>(p => p.Points.Count > 0, Wait);

        // As the coordinator sends it (SlotMessage.Path: NODE/user/SLOT-ID).
        Sys.ActorSelection("/user/slot-0").Tell(new StopTrial(Id, 0, 1, "sweep cancelled"));

        var finish = await sweeps.FishForMessageAsync<FinishTrial>(_ => true, Wait);
        Assert.Equal(TrialOutcome.Cancelled, finish.Outcome);
    }

    [Fact]
    public async Task Pulls_before_the_brokers_proxy_is_known_wait_and_the_node_keeps_its_slots()
    {
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<SweepRegionProxy>(sweeps.Ref, overwrite: true);
        var settings = new SlotSettings(_work) { RequestInterval = TimeSpan.FromMilliseconds(200) };
        var slots = await SlotOnNode.StartAsync(Sys, ActorRegistry, _slots, settings);
        foreach (var slot in slots) Watch(slot);
        await Task.Delay(TimeSpan.FromSeconds(1)); // several pulls with no broker to send them to

        var broker = CreateTestProbe();
        ActorRegistry.Register<WorkBrokerProxy>(broker.Ref, overwrite: true);
        foreach (var slot in new[] { "slot-0", "slot-1" })
            Assert.Equal(2, (await RequestFrom(broker, slot)).FreeDevices);
        // The slots were not stopped (a restarted parent would have stopped them and made new ones).
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
    }
}
