using Akka.Actor;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Hosting;
using Atelier.Coordinator.Work;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Work;

/// <summary>The broker with a probe standing in for the sweep shard region.</summary>
public sealed partial class WorkBrokerTests : Akka.Hosting.TestKit.TestKit
{
    private static readonly SweepId A = new("sweep-a");
    private static readonly SweepId B = new("sweep-b");

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) { }

    private (IActorRef Broker, Akka.TestKit.TestProbe Sweeps) Start()
    {
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<SweepRegion>(sweeps.Ref, overwrite: true);
        return (Sys.ActorOf(Props.Create(() => new WorkBroker(ActorRegistry))), sweeps);
    }

    private RequestWork Request(string slot) => new(new SlotInfo(slot, "node", "cpu"), CreateTestProbe().Ref);

    [Fact]
    public async Task Requests_rotate_across_sweeps_with_work()
    {
        var (broker, sweeps) = Start();
        broker.Tell(new WorkAvailable(A));
        broker.Tell(new WorkAvailable(B));

        var asked = new List<SweepId>();
        for (var i = 0; i < 4; i++)
        {
            broker.Tell(Request($"slot-{i}"));
            asked.Add((await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);
        }

        Assert.Equal([A, B, A, B], asked);
    }

    [Fact]
    public async Task A_request_waits_until_work_is_announced()
    {
        var (broker, sweeps) = Start();
        var request = Request("slot-0");
        broker.Tell(request);
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        broker.Tell(new WorkAvailable(A));

        var lease = await sweeps.ExpectMsgAsync<LeaseTrial>();
        Assert.Equal((A, request.SlotRef), (lease.SweepId, lease.SlotRef));
    }

    [Fact]
    public async Task No_work_from_one_sweep_sends_the_request_to_the_next_and_drops_the_empty_sweep()
    {
        var (broker, sweeps) = Start();
        broker.Tell(new WorkAvailable(A));
        broker.Tell(new WorkAvailable(B));
        var request = Request("slot-0");
        broker.Tell(request);
        Assert.Equal(A, (await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);

        broker.Tell(new NoWork(A, request));
        Assert.Equal(B, (await sweeps.ExpectMsgAsync<LeaseTrial>()).SweepId);

        broker.Tell(new NoWork(B, request));
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        broker.Tell(new WorkBroker.GetBrokerState());
        await ExpectMsgAsync(new WorkBroker.BrokerState(SweepsWithWork: 0, WaitingSlots: 1));
    }

    [Fact]
    public async Task Slots_report_their_state_and_a_drained_node_gets_no_more_work()
    {
        var (broker, sweeps) = Start();
        var slot = CreateTestProbe();
        var info = new SlotInfo("slot-0", "akka.tcp://atelier@w1:1", "cpu");
        broker.Tell(new SlotStatus(info, slot.Ref, Busy: true, Draining: false, A, 3, 1, 7, 0.5));

        broker.Tell(new GetWorkers());
        var worker = Assert.Single((await ExpectMsgAsync<WorkersReply>()).Workers);
        var listed = Assert.Single(worker.Slots);
        Assert.Equal(("akka.tcp://atelier@w1:1", "busy", 3, 7L), (worker.Node, listed.State, listed.TrialIndex, listed.Step));

        broker.Tell(new DrainNode(info.Node));
        Assert.Equal(new DrainNodeReply(info.Node, 1), await ExpectMsgAsync<DrainNodeReply>());
        await slot.ExpectMsgAsync<Drain>();

        broker.Tell(new WorkAvailable(A));
        broker.Tell(new RequestWork(info, slot.Ref));
        await slot.ExpectMsgAsync<Drain>();
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task Draining_an_unknown_node_tells_no_slot()
    {
        var (broker, _) = Start();
        broker.Tell(new DrainNode("akka.tcp://atelier@nowhere:1"));
        Assert.Equal(0, (await ExpectMsgAsync<DrainNodeReply>()).Slots);
    }

    [Fact]
    public async Task A_repeated_request_is_not_offered_twice_but_the_next_one_is()
    {
        var (broker, sweeps) = Start();
        broker.Tell(new WorkAvailable(A));
        var slot = CreateTestProbe();
        var info = new SlotInfo("slot-0", "node", "cpu");

        broker.Tell(new RequestWork(info, slot.Ref, 1));
        await sweeps.ExpectMsgAsync<LeaseTrial>();
        broker.Tell(new RequestWork(info, slot.Ref, 1)); // the slot re-sent it before the trial arrived
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));

        broker.Tell(new RequestWork(info, slot.Ref, 2)); // after its trial: a new request
        await sweeps.ExpectMsgAsync<LeaseTrial>();
    }
}
