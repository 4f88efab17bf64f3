using Akka.Actor;
using Akka.TestKit;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Persistence;

/// <summary>Work for a sweep entity under a real journal: its creation, then trials leased and completed one by one.</summary>
internal static class JournaledSweep
{
    /// <summary>
    /// Creates <paramref name="id"/> as a grid of <paramref name="trials"/> trials and completes <paramref name="completed"/>
    /// of them through one slot, the i-th with loss 1 / (i + 1) and one metric point. Returns what the sweep then shows.
    /// </summary>
    public static async Task<SweepDto> CreateAndCompleteAsync(this TestKitBase kit, IActorRef sweep, SweepId id, int trials, int completed)
    {
        var slot = kit.CreateTestProbe();
        sweep.Tell(new CreateSweep(id, Sweeps.Specs.Grid(trials), "yaml", 3, DateTimeOffset.UtcNow), kit.TestActor);
        Assert.True((await kit.ExpectMsgAsync<CreateSweepReply>(TimeSpan.FromSeconds(30))).Created);
        for (var i = 0; i < completed; i++)
        {
            sweep.Tell(new LeaseTrial(id, new SlotInfo("slot-0", "node", "cpu"), slot.Ref));
            var a = await slot.ExpectMsgAsync<AssignTrial>(TimeSpan.FromSeconds(10));
            sweep.Tell(new FinishTrial(id, a.TrialIndex, a.Attempt, TrialOutcome.Completed,
                new Dictionary<string, double> { ["loss"] = 1.0 / (i + 1) }, null,
                [new MetricPoint(1, new Dictionary<string, double> { ["loss"] = 2.0 })]), slot.Ref);
            await slot.ExpectMsgAsync<FinishAck>(TimeSpan.FromSeconds(10));
        }
        sweep.Tell(new SweepQueries.GetSweep(id, true), kit.TestActor);
        return (await kit.ExpectMsgAsync<SweepQueries.SweepDetails>()).Sweep;
    }
}
