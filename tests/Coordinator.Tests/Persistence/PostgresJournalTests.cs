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
        var settings = new SweepSettings { SnapshotEvery = 4, SnapshotStore = CoordinatorAkka.SweepSnapshotStore };
        var sweep = Start(settings);
        var before = await this.CreateAndCompleteAsync(sweep, _id, trials: 5, completed: 4);

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
