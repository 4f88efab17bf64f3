using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Work;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Work;

/// <summary>The broker with sweeps whose trials need several devices of one node (gang reservation).</summary>
public sealed partial class WorkBrokerTests
{
    private static readonly SweepId Gang = new("gang");
    private static readonly SweepId Single = new("single");

    private RequestWork Request(string slot, int free, int nodeDevices = 2, string node = "node-a", IActorRef? slotRef = null) =>
        new(new SlotInfo(slot, node, "cuda:0"), slotRef ?? CreateTestProbe().Ref, 1, free, nodeDevices);

    /// <summary>Sends <paramref name="request"/>, expects it offered to the gang sweep, which answers that it needs <paramref name="needed"/> devices.</summary>
    private static async Task<LeaseTrial> GangLacksDevices(IActorRef broker, Akka.TestKit.TestProbe sweeps, RequestWork request, int needed = 2)
    {
        broker.Tell(request);
        var lease = await sweeps.ExpectMsgAsync<LeaseTrial>();
        Assert.Equal(Gang, lease.SweepId);
        broker.Tell(new NoWork(Gang, lease.Request, DevicesNeeded: needed));
        return lease;
    }

    private async Task<WorkBroker.BrokerState> StateOf(IActorRef broker)
    {
        broker.Tell(new WorkBroker.GetBrokerState());
        return await ExpectMsgAsync<WorkBroker.BrokerState>();
    }

    [Fact]
    public async Task A_gang_sweep_short_of_devices_holds_the_node_and_its_free_slots_wait_until_enough_are_free()
    {
        var (broker, sweeps) = Start();
        broker.Tell(new WorkAvailable(Gang));
        broker.Tell(new WorkAvailable(Single));

        // slot-0 of node-a is free, slot-1 busy: the gang sweep refuses and holds the node; slot-0 waits for it
        // rather than starting a one-device trial that would keep the gang waiting longer.
        var lease = await GangLacksDevices(broker, sweeps, Request("slot-0", free: 1));
        Assert.Equal((1, 2), (lease.FreeDevices, lease.NodeDevices));
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(new WorkBroker.BrokerState(2, 1, 1), await StateOf(broker));

        // Another node is not held: its slot goes round the ring as usual (Single is next).
        broker.Tell(Request("slot-0", free: 1, node: "node-b"));
        Assert.Equal(Single, (await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);

        // slot-1 of node-a ends its trial, both free: the gang sweep gets the request. For a moment after, the node's
        // other requests still wait (the assignment is on its way), then the hold ends.
        broker.Tell(Request("slot-1", free: 2));
        var gang = await sweeps.ExpectMsgAsync<LeaseTrial>();
        Assert.Equal((Gang, 2), (gang.SweepId, gang.FreeDevices));
        broker.Tell(Request("slot-0", free: 2)); // sent before slot-1 borrowed it
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        await Task.Delay(NodeHolds.OfferGrace);
        // Then the ring as usual: the gang sweep's turn; with all its trials leased it has no work, so Single.
        broker.Tell(Request("slot-2", free: 1));
        var next = await sweeps.ExpectMsgAsync<LeaseTrial>();
        Assert.Equal(Gang, next.SweepId);
        broker.Tell(new NoWork(Gang, next.Request));
        Assert.Equal(Single, (await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);
        Assert.Equal(0, (await StateOf(broker)).HeldNodes);
    }

    [Fact]
    public async Task A_held_node_asks_its_sweep_first_so_a_hold_whose_sweep_has_no_work_ends()
    {
        var (broker, sweeps) = Start();
        broker.Tell(new WorkAvailable(Gang));
        broker.Tell(new WorkAvailable(Single));
        var slot = CreateTestProbe();
        var request = Request("slot-0", free: 1, slotRef: slot.Ref);
        await GangLacksDevices(broker, sweeps, request);
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));

        // The slot asks again (its periodic re-send): the gang sweep is asked again, and now (paused, say) has no work.
        broker.Tell(request);
        var again = await sweeps.ExpectMsgAsync<LeaseTrial>();
        Assert.Equal(Gang, again.SweepId);
        broker.Tell(new NoWork(Gang, again.Request));
        Assert.Equal(Single, (await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);
        Assert.Equal(new WorkBroker.BrokerState(1, 0, 0), await StateOf(broker));
    }

    [Fact]
    public async Task A_sweep_holds_one_node_at_a_time()
    {
        var (broker, sweeps) = Start();
        broker.Tell(new WorkAvailable(Gang));
        foreach (var node in new[] { "node-a", "node-b" })
        {
            await GangLacksDevices(broker, sweeps, Request("slot-0", free: 1, node: node));
        }
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(new WorkBroker.BrokerState(1, 2, 1), await StateOf(broker));
    }

    [Fact]
    public async Task A_node_smaller_than_the_trials_is_never_held()
    {
        var (broker, sweeps) = Start();
        broker.Tell(new WorkAvailable(Gang));
        broker.Tell(new WorkAvailable(Single));
        await GangLacksDevices(broker, sweeps, Request("slot-0", free: 1, nodeDevices: 1), needed: 4);
        Assert.Equal(Single, (await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);

        Assert.Equal(new WorkBroker.BrokerState(2, 0, 0), await StateOf(broker));
    }

    [Fact]
    public async Task When_every_sweep_lacks_devices_the_slot_waits_and_a_hold_ends_when_its_sweep_runs_dry()
    {
        var (broker, sweeps) = Start();
        broker.Tell(new WorkAvailable(Gang));
        var slot = CreateTestProbe();
        var request = Request("slot-0", free: 1, slotRef: slot.Ref);
        await GangLacksDevices(broker, sweeps, request);
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300));
        Assert.Equal(new WorkBroker.BrokerState(1, 1, 1), await StateOf(broker));

        // The gang sweep runs out of work (offered a full node, it has nothing): the hold ends with it.
        broker.Tell(Request("slot-1", free: 2));
        var full = await sweeps.ExpectMsgAsync<LeaseTrial>();
        broker.Tell(new NoWork(Gang, full.Request));
        Assert.Equal(new WorkBroker.BrokerState(0, 2, 0), await StateOf(broker));

        // A new one-device sweep gets the waiting slots.
        broker.Tell(new WorkAvailable(Single));
        Assert.Equal(Single, (await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);
        Assert.Equal(Single, (await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);
    }

    [Fact]
    public async Task A_slot_that_reports_busy_leaves_the_waiting_list_and_may_ask_again_with_the_same_number()
    {
        var (broker, sweeps) = Start();
        var slot = CreateTestProbe();
        var request = Request("slot-1", free: 1, slotRef: slot.Ref);
        broker.Tell(request);
        broker.Tell(new SlotStatus(request.Slot, slot.Ref, Busy: true, Draining: false, Gang, 0, 1, null, 0));
        broker.Tell(new WorkAvailable(Single));
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300)); // lent: not offered

        broker.Tell(request); // released: the same request number again
        Assert.Equal(Single, (await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);
    }
}
