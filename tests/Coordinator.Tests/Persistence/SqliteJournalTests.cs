using Akka.Actor;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Hosting;
using Atelier.Coordinator.Sweeps;
using Atelier.Coordinator.Work;
using Atelier.Shared.Hosting;
using Atelier.Shared.Protocol;
using LinqToDB.Data;
using Microsoft.Data.Sqlite;
using static Atelier.Shared.Protocol.SweepCommands;
using static Atelier.Shared.Protocol.WorkerProtocol;

namespace Atelier.Coordinator.Tests.Persistence;

/// <summary>
/// A sweep entity journaled in real SQLite files (the production wiring, `WithSqliteJournal`) while another connection
/// holds a file's write lock, as the journal's own writer does during every commit and the snapshot store while it writes
/// a snapshot: reads go on, writes wait for the lock of their own file and then succeed.
/// </summary>
public sealed class SqliteJournalTests : Akka.Hosting.TestKit.TestKit
{
    private readonly string _directory = Directory.CreateTempSubdirectory("atelier-sqlite-journal-").FullName;
    private readonly SweepId _id = new("sqlite-journal");
    /// <summary>How long a snapshot may take to appear: it is saved asynchronously, after the events it holds.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private string DatabaseFile => Path.Combine(_directory, SqliteJournal.JournalFile);
    private string SnapshotFile => Path.Combine(_directory, SqliteJournal.SweepSnapshotFile);

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithAtelierSerialization().WithSqliteJournal(_directory);

    private IActorRef Start(SweepSettings? settings = null) =>
        Sys.ActorOf(Props.Create(() => new SweepActor(_id.Value, ActorRegistry, settings ?? new SweepSettings())));

    [Fact]
    public async Task A_sweep_recovers_while_the_write_lock_is_held_and_its_writes_wait_for_it()
    {
        ActorRegistry.Register<WorkBroker>(CreateTestProbe().Ref, overwrite: true);
        var slot = CreateTestProbe();
        var sweep = Start();
        sweep.Tell(new CreateSweep(_id, Sweeps.Specs.Grid(3), "yaml", 3, DateTimeOffset.UtcNow));
        Assert.True((await ExpectMsgAsync<CreateSweepReply>(TimeSpan.FromSeconds(30))).Created);
        Watch(sweep);
        Sys.Stop(sweep);
        await ExpectTerminatedAsync(sweep);

        await using var holder = new SqliteConnection($"Data Source={DatabaseFile};Pooling=False");
        await holder.OpenAsync();
        Assert.Equal("wal", await Scalar(holder, "PRAGMA journal_mode;"));
        await Scalar(holder, "BEGIN IMMEDIATE;");

        // Recovery reads the journal: it must not need the write lock (30 s of busy_timeout would exceed this wait).
        sweep = Start();
        sweep.Tell(new SweepQueries.GetSweep(_id, false));
        Assert.Equal(3, (await ExpectMsgAsync<SweepQueries.SweepDetails>(TimeSpan.FromSeconds(10))).Sweep.Counts.Pending);

        // A lease is a write: it waits for the lock, then goes through.
        sweep.Tell(new LeaseTrial(_id, new SlotInfo("slot-0", "node", "cpu"), slot.Ref));
        await slot.ExpectNoMsgAsync(TimeSpan.FromSeconds(1));
        await Scalar(holder, "COMMIT;");
        var assigned = await slot.ExpectMsgAsync<AssignTrial>(TimeSpan.FromSeconds(10));

        Watch(sweep);
        Sys.Stop(sweep);
        await ExpectTerminatedAsync(sweep);
        Start().Tell(new SweepQueries.GetSweep(_id, false));
        var recovered = (await ExpectMsgAsync<SweepQueries.SweepDetails>(TimeSpan.FromSeconds(10))).Sweep;
        Assert.Equal(TrialStatus.Running, recovered.Trials[assigned.TrialIndex].Status);
    }

    [Fact]
    public async Task While_a_snapshot_waits_for_its_files_lock_the_journal_goes_on_writing()
    {
        ActorRegistry.Register<WorkBroker>(CreateTestProbe().Ref, overwrite: true);
        var slot = CreateTestProbe();
        var sweep = Start(new SweepSettings { SnapshotEvery = 1, SnapshotStore = CoordinatorAkka.SweepSnapshotStore });
        sweep.Tell(new CreateSweep(_id, Sweeps.Specs.Grid(3), "yaml", 3, DateTimeOffset.UtcNow));
        Assert.True((await ExpectMsgAsync<CreateSweepReply>(TimeSpan.FromSeconds(30))).Created);
        await using var holder = new SqliteConnection($"Data Source={SnapshotFile};Pooling=False");
        await holder.OpenAsync();
        await AwaitConditionAsync(async () => await LatestSnapshot(holder) > 0, Patience);
        var saved = await LatestSnapshot(holder);

        // As a long snapshot write does: the snapshot file's write lock taken, every later snapshot waits for it.
        await Scalar(holder, "BEGIN IMMEDIATE;");
        for (var lease = 0; lease < 2; lease++)
        {
            // Each lease is a journal write, and makes a snapshot due: the first one waits for the lock, and the lease does not.
            sweep.Tell(new LeaseTrial(_id, new SlotInfo($"slot-{lease}", "node", "cpu"), slot.Ref));
            await slot.ExpectMsgAsync<AssignTrial>(TimeSpan.FromSeconds(10));
        }
        Assert.Equal(saved, await LatestSnapshot(holder));
        await Scalar(holder, "COMMIT;");
        await AwaitConditionAsync(async () => await LatestSnapshot(holder) > saved, Patience);
    }

    [Fact]
    public async Task A_sweep_whose_snapshots_are_in_the_journal_file_recovers_from_its_events_and_saves_one_in_its_own_file()
    {
        ActorRegistry.Register<WorkBroker>(CreateTestProbe().Ref, overwrite: true);
        // Before commit eb85cf5, sweeps saved their snapshots to the default store, in journal.db.
        var sweep = Start(new SweepSettings { SnapshotEvery = 2 });
        var shown = await this.CreateAndCompleteAsync(sweep, _id, trials: 5, completed: 4);
        await using (var journal = new SqliteConnection($"Data Source={DatabaseFile};Pooling=False"))
        {
            await journal.OpenAsync();
            await AwaitConditionAsync(async () => await LatestSnapshot(journal) > 0, Patience);
        }
        Watch(sweep);
        Sys.Stop(sweep);
        await ExpectTerminatedAsync(sweep);

        Start(new SweepSettings { SnapshotEvery = 2, SnapshotStore = CoordinatorAkka.SweepSnapshotStore })
            .Tell(new SweepQueries.GetSweep(_id, true));
        var recovered = (await ExpectMsgAsync<SweepQueries.SweepDetails>(TimeSpan.FromSeconds(30))).Sweep;
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(shown, ApiJson.Options),
            System.Text.Json.JsonSerializer.Serialize(recovered, ApiJson.Options));
        Assert.Equal(4, recovered.Counts.Completed);
        // The sweep writes no more events, but replayed more than SnapshotEvery: it saves a snapshot of its own at once.
        await using var snapshots = new SqliteConnection($"Data Source={SnapshotFile};Pooling=False");
        await snapshots.OpenAsync();
        await AwaitConditionAsync(async () => await TableExists(snapshots, "snapshot") && await LatestSnapshot(snapshots) > 0, Patience);
    }

    [Fact]
    public async Task Every_journal_connection_waits_for_the_lock_inside_SQLite_and_syncs_each_commit()
    {
        await using var connection = new DataConnection(SqliteJournal.Prepare(Path.Combine(_directory, "other.db")));
        // Without busy_timeout a locked write would come back to Microsoft.Data.Sqlite, which sleeps 150 ms per retry.
        Assert.Equal(30_000L, connection.Execute<long>("PRAGMA busy_timeout;"));
        Assert.Equal(2L, connection.Execute<long>("PRAGMA synchronous;")); // FULL
        Assert.Equal("wal", connection.Execute<string>("PRAGMA journal_mode;"));
    }

    private static async Task<long> LatestSnapshot(SqliteConnection connection) =>
        await Scalar(connection, "SELECT COALESCE(MAX(sequence_number), 0) FROM snapshot;") is long latest ? latest : -1;

    private static async Task<bool> TableExists(SqliteConnection connection, string table) =>
        await Scalar(connection, $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}';") is long and > 0;

    private static async Task<object?> Scalar(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    // The journal's connections may still be open: Linux deletes the files all the same.
    // Not Dispose: xUnit v3 calls only DisposeAsync on a class that has it, as the TestKit does. The TestKit stops the
    // actor system only after this; stopped here first, so that no actor writes into the directory as it goes.
    protected override async Task AfterAllAsync()
    {
        await base.AfterAllAsync();
        await ShutdownAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
