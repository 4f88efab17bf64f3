using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Hosting;
using Akka.Persistence.Sql.Hosting;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Sweeps;
using Atelier.Coordinator.Work;
using Atelier.Shared.Hosting;
using LinqToDB;

namespace Atelier.Coordinator.Hosting;

/// <summary>Registry key of the sweep shard region.</summary>
public sealed class SweepRegion;

/// <summary>The coordinator's actors: journal, sweep shard region, work broker singleton.</summary>
public static class CoordinatorAkka
{
    public static IServiceCollection AddCoordinatorAkka(this IServiceCollection services, CoordinatorSettings settings) =>
        services.AddAkka(ClusterNames.ActorSystem, builder => builder
            .WithAtelierCluster(settings.Node, ClusterNames.CoordinatorRole)
            .WithJournal(settings)
            .WithArtifactStore(settings.ArtifactsDirectory, settings.UploadUrls)
            .WithWorkBroker()
            .WithSweeps(settings.Sweeps with { SnapshotStore = SweepSnapshotStore }));

    /// <summary>
    /// The snapshot store of the sweeps, which <see cref="WithJournal"/> sets up beside the default one (that Akka's sharding
    /// uses). On SQLite it is a file of its own; on PostgreSQL the same table as the default store.
    /// </summary>
    public const string SweepSnapshotStore = "akka.persistence.snapshot-store." + SweepSnapshotPlugin;

    private const string SweepSnapshotPlugin = "sweeps";

    /// <summary>
    /// Event journal and snapshots: PostgreSQL when a connection string is given, else two SQLite
    /// files under the data directory. Tables are created on first start.
    /// </summary>
    public static AkkaConfigurationBuilder WithJournal(this AkkaConfigurationBuilder builder, CoordinatorSettings settings) =>
        settings.PostgresConnection.Length > 0
            ? builder.WithPostgresJournal(settings.PostgresConnection)
            : builder.WithSqliteJournal(settings.DataDirectory);

    /// <summary>
    /// The journal, and the snapshots of Akka's sharding, in <c>journal.db</c>; the sweeps' snapshots in <c>snapshots.db</c>
    /// (<see cref="SweepSnapshotStore"/>). SQLite has one write lock per file, and a large sweep's snapshot (megabytes) held
    /// it for 18–130 ms while every sweep's journal writes waited (docs/benchmarks.md, "The JIT under metrics, and
    /// snapshots in their own file"). A sweep's snapshot is only a shortcut for its recovery, written after the events it
    /// holds (a sweep never deletes events), so the two files need no common transaction. Sharding's snapshots stay beside
    /// its events: it deletes the events a snapshot covers.
    /// </summary>
    public static AkkaConfigurationBuilder WithSqliteJournal(this AkkaConfigurationBuilder builder, string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        return builder
            .WithSqlPersistence(SqliteJournal.Prepare(Path.Combine(dataDirectory, SqliteJournal.JournalFile)))
            .WithSqlPersistence(SqliteJournal.Prepare(Path.Combine(dataDirectory, SqliteJournal.SweepSnapshotFile)),
                PersistenceMode.SnapshotStore, pluginIdentifier: SweepSnapshotPlugin, isDefaultPlugin: false)
            .AddHocon(SqliteJournal.Hocon(SweepSnapshotStore), HoconAddMode.Prepend);
    }

    public static AkkaConfigurationBuilder WithPostgresJournal(this AkkaConfigurationBuilder builder, string connectionString) =>
        builder.WithSqlPersistence(connectionString, ProviderName.PostgreSQL15)
            .WithSqlPersistence(connectionString, ProviderName.PostgreSQL15,
                PersistenceMode.SnapshotStore, pluginIdentifier: SweepSnapshotPlugin, isDefaultPlugin: false);

    public static AkkaConfigurationBuilder WithSweeps(this AkkaConfigurationBuilder builder, SweepSettings settings) =>
        builder.WithShardRegion<SweepRegion>(
            ClusterNames.SweepShardRegion,
            (_, registry, _) => entityId => Props.Create(() => new SweepActor(entityId, registry, settings)),
            new SweepMessageExtractor(),
            new ShardOptions
            {
                Role = ClusterNames.CoordinatorRole,
                RememberEntities = true,
                // Not a PoisonPill: a sweep stops only after its applied events are written (group commit).
                HandOffStopMessage = SweepActor.StopSweep.Instance,
                RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
                StateStoreMode = StateStoreMode.Persistence,
            });

    /// <summary>The content-addressed artifact store and the actor that streams into and out of it.</summary>
    public static AkkaConfigurationBuilder WithArtifactStore(this AkkaConfigurationBuilder builder, string directory, string? uploadUrls) =>
        builder.WithActors((system, registry) =>
        {
            var store = new Artifacts.ArtifactStore(directory);
            registry.Register<Artifacts.ArtifactIngest>(
                system.ActorOf(Props.Create(() => new Artifacts.ArtifactIngest(store, registry, uploadUrls)), "artifacts"));
        });

    public static AkkaConfigurationBuilder WithWorkBroker(this AkkaConfigurationBuilder builder) =>
        builder.WithSingleton<WorkBroker>(
            ClusterNames.WorkBrokerSingleton,
            (_, registry, _) => Props.Create(() => new WorkBroker(registry)),
            new ClusterSingletonOptions { Role = ClusterNames.CoordinatorRole });
}
