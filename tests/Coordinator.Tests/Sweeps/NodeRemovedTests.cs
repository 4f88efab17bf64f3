using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Sweeps;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.SweepEvents;

namespace Atelier.Coordinator.Tests.Sweeps;

/// <summary>A node the cluster removed gives its running trials back at once, before their leases expire.</summary>
public sealed class NodeRemovedTests
{
    private static readonly SweepId Id = new("removed-1");
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 6, 0, 0, TimeSpan.Zero);
    private static readonly IActorRef Broker = new FakeRef("broker");
    private const string Lost = "akka.tcp://atelier@10.0.0.2:4053";
    private const string Kept = "akka.tcp://atelier@10.0.0.3:4053";

    [Fact]
    public void Only_the_running_trials_of_the_removed_node_are_requeued()
    {
        var state = new SweepState(TimeSpan.FromMinutes(10));
        Apply(ref state, state.Process(new CreateSweep(Id, Specs.Grid(4), "yaml", 7, T0), Broker, T0));
        Lease(ref state, Lost, "slot-0");
        Lease(ref state, Lost, "slot-1");
        Lease(ref state, Kept, "slot-0");
        // Trial 1 ended before the node went.
        Apply(ref state, state.Process(new FinishTrial(Id, 1, 1, TrialOutcome.Completed, new Dictionary<string, double> { ["loss"] = 1 }, null, []), Broker, T0));

        var d = state.Process(new NodeRemoved(Lost, T0.AddSeconds(20)), Broker, T0.AddSeconds(20));

        var requeued = d.Events.Cast<TrialRequeued>().ToList();
        Assert.Equal([0], requeued.Select(r => r.TrialIndex));
        Assert.Contains($"node {Lost} left the cluster while slot slot-0 ran it", requeued[0].Reason);
        Apply(ref state, d);
        Assert.Equal(TrialStatus.Pending, state.Trials[0].Status);
        Assert.Equal(TrialStatus.Running, state.Trials[2].Status);
        Assert.Empty(state.Process(new NodeRemoved("akka.tcp://atelier@10.0.0.9:4053", T0), Broker, T0).Events);
    }

    private static void Lease(ref SweepState state, string node, string slot) =>
        Apply(ref state, state.Process(new LeaseTrial(Id, new SlotInfo(slot, node, "cpu"), new FakeRef(slot)), Broker, T0));

    private static void Apply(ref SweepState state, SweepDecision d)
    {
        foreach (var e in d.Events) state = state.Apply(e);
    }
}
