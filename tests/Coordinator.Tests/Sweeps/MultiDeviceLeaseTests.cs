using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Sweeps;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.SweepEvents;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Sweeps;

/// <summary>Leasing trials of a sweep with <c>resources: {gpus: N}</c>.</summary>
public sealed class MultiDeviceLeaseTests
{
    private static readonly SweepId Id = new("gang-1");
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);
    private static readonly IActorRef Broker = new FakeRef("broker");
    private static readonly IActorRef SlotRef = new FakeRef("slot");
    private static readonly SlotInfo Slot = new("slot-0", "node-a", "cuda:0");

    private static SweepState Created(int gpus)
    {
        var spec = Specs.Grid(2) with { Resources = new Contracts.Specs.ResourcesSpec(gpus) };
        var state = new SweepState(TimeSpan.FromSeconds(30));
        foreach (var e in state.Process(new CreateSweep(Id, spec, "yaml", 7, T0), Broker, T0).Events) state = state.Apply(e);
        return state;
    }

    [Fact]
    public void A_request_with_too_few_free_devices_gets_no_work_saying_how_many_are_needed()
    {
        var state = Created(gpus: 2);
        var d = state.Process(new LeaseTrial(Id, Slot, SlotRef, FreeDevices: 1, NodeDevices: 4), Broker, T0);

        Assert.Empty(d.Events);
        var reply = Assert.Single(d.Replies);
        Assert.Same(Broker, reply.To);
        var noWork = Assert.IsType<NoWork>(reply.Message);
        Assert.Equal(2, noWork.DevicesNeeded);
        Assert.Equal((1, 4), (noWork.Request.FreeDevices, noWork.Request.NodeDevices));
        Assert.Equal(2, state.PendingCount);
    }

    [Fact]
    public void A_request_with_enough_free_devices_leases_a_trial_that_reserves_them()
    {
        var state = Created(gpus: 2);
        var d = state.Process(new LeaseTrial(Id, Slot, SlotRef, FreeDevices: 2, NodeDevices: 4), Broker, T0);

        var leased = Assert.IsType<TrialLeased>(Assert.Single(d.Events));
        Assert.Equal(2, leased.Devices);
        var assign = Assert.IsType<AssignTrial>(Assert.Single(d.Replies).Message);
        Assert.Equal(2, assign.Devices);
    }

    [Fact]
    public void A_sweep_with_nothing_to_lease_says_so_without_asking_for_devices()
    {
        var state = Created(gpus: 2);
        state = state.Apply(new SweepPaused(T0));
        var noWork = Assert.IsType<NoWork>(Assert.Single(state.Process(new LeaseTrial(Id, Slot, SlotRef, 1, 1), Broker, T0).Replies).Message);
        Assert.Equal(0, noWork.DevicesNeeded);
    }
}
