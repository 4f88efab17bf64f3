using Akka.Actor;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.Shared.Hosting;
using Atelier.Coordinator.Hosting;
using Atelier.Coordinator.Sweeps;
using Atelier.Coordinator.Work;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Persistence;

/// <summary>
/// A sweep entity journaled in a real PostgreSQL server (the production wiring, `WithPostgresJournal`),
/// recovered from a snapshot plus the events after it, in the tests' PostgreSQL server (<see cref="Testing.PrivatePostgres"/>:
/// ATELIER_TEST_POSTGRES, else a private server started from the installed binaries).
/// </summary>
public sealed class PostgresJournalTests : Akka.Hosting.TestKit.TestKit
{
    public static readonly string ConnectionString = Testing.PrivatePostgres.ConnectionString;

    private readonly SweepId _id = new($"pg-{Guid.NewGuid():N}"[..30]);

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithAtelierSerialization().WithPostgresJournal(ConnectionString);

    private IActorRef Start(SweepSettings settings) =>
        Sys.ActorOf(Props.Create(() => new SweepActor(_id.Value, ActorRegistry, settings)));

    [Fact]
    public async Task A_sweep_journaled_in_postgres_recovers_with_every_result()
    {
        ActorRegistry.Register<WorkBroker>(CreateTestProbe().Ref, overwrite: true);
        var settings = new SweepSettings { SnapshotEvery = 4 };
        var slot = CreateTestProbe();
        var sweep = Start(settings);
        sweep.Tell(new CreateSweep(_id, Sweeps.Specs.Grid(5), "yaml", 3, DateTimeOffset.UtcNow));
        Assert.True((await ExpectMsgAsync<CreateSweepReply>(TimeSpan.FromSeconds(30))).Created);
        for (var i = 0; i < 4; i++)
        {
            sweep.Tell(new LeaseTrial(_id, new SlotInfo("slot-0", "node", "cpu"), slot.Ref));
            var a = await slot.ExpectMsgAsync<AssignTrial>(TimeSpan.FromSeconds(10));
            sweep.Tell(new FinishTrial(_id, a.TrialIndex, a.Attempt, TrialOutcome.Completed,
                new Dictionary<string, double> { ["loss"] = 1.0 / (i + 1) }, null,
                [new MetricPoint(1, new Dictionary<string, double> { ["loss"] = 2.0 })]), slot.Ref);
            await slot.ExpectMsgAsync<FinishAck>(TimeSpan.FromSeconds(10));
        }
        sweep.Tell(new SweepQueries.GetSweep(_id, true));
        var before = (await ExpectMsgAsync<SweepQueries.SweepDetails>()).Sweep;

        Watch(sweep);
        Sys.Stop(sweep);
        await ExpectTerminatedAsync(sweep);
        Start(settings).Tell(new SweepQueries.GetSweep(_id, true));
        var after = (await ExpectMsgAsync<SweepQueries.SweepDetails>(TimeSpan.FromSeconds(30))).Sweep;

        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(before, Contracts.Api.ApiJson.Options),
            System.Text.Json.JsonSerializer.Serialize(after, Contracts.Api.ApiJson.Options));
        Assert.Equal(4, after.Counts.Completed);
        Assert.Equal(3, after.Best!.Index);
    }
}
