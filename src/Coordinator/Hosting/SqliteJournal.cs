using System.Data.Common;
using LinqToDB;
using LinqToDB.Interceptors;
using Microsoft.Data.Sqlite;

namespace Atelier.Coordinator.Hosting;

/// <summary>
/// How the coordinator opens its SQLite journal. SQLite lets one connection hold the write lock at a time. With the
/// defaults, three journal writers, the snapshot store and every read took it: Microsoft.Data.Sqlite begins every
/// transaction but a read-uncommitted one with <c>BEGIN IMMEDIATE</c>, which takes the write lock even to read. A
/// connection that found it taken slept 150 ms (Microsoft.Data.Sqlite's retry) or SQLite's growing steps up to 100 ms, so
/// every sweep of the coordinator stalled for 150–350 ms about once a second under steady load (docs/benchmarks.md,
/// "Scheduler overhead"). So:
/// <list type="bullet">
/// <item>the file is in write-ahead-log mode: readers never block the writer, and a commit syncs the log only;</item>
/// <item>one journal writer (SQLite cannot write in parallel anyway; its batches grow instead);</item>
/// <item>reads begin deferred (the read-uncommitted level: Microsoft.Data.Sqlite then begins with a plain <c>BEGIN</c>;
/// the connection string has no shared cache, so SQLite still reads committed data only, from one consistent snapshot of
/// the log);</item>
/// <item>a connection that finds the lock taken waits inside SQLite (<c>busy_timeout</c>), retrying after 1, 2, 5, 10… ms;</item>
/// <item>the sweeps' snapshots are in a file of their own (<see cref="SweepSnapshotFile"/>), so that writing one holds no lock
/// the journal needs;</item>
/// <item>a batch of events goes to SQLite with its payloads as parameters: as literals (Akka.Persistence.Sql's default) each
/// payload was written into the statement in hex, twice its size, for SQLite to parse back.</item>
/// </list>
/// </summary>
internal static class SqliteJournal
{
    public const string JournalFile = "journal.db";
    public const string SweepSnapshotFile = "snapshots.db";

    /// <summary>The settings of the journal and of the snapshot stores: the default one and <paramref name="sweepSnapshotStore"/>.</summary>
    public static string Hocon(string sweepSnapshotStore) => $"""
        akka.persistence.journal.sql.parallelism = 1
        akka.persistence.journal.sql.prefer-parameters-on-multirow-insert = true
        akka.persistence.journal.sql.read-isolation-level = read-uncommitted
        akka.persistence.snapshot-store.sql.read-isolation-level = read-uncommitted
        {sweepSnapshotStore}.read-isolation-level = read-uncommitted
        akka.persistence.query.journal.sql.read-isolation-level = read-uncommitted
        """;

    /// <summary>
    /// Puts <paramref name="databaseFile"/> (created if missing) in write-ahead-log mode, or throws saying why it cannot
    /// be, and returns the options every journal connection opens with.
    /// </summary>
    public static DataOptions Prepare(string databaseFile)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databaseFile }.ToString();
        UseWriteAheadLog(connectionString);
        return new DataOptions()
            .UseConnectionString(ProviderName.SQLiteMS, connectionString)
            .UseInterceptor(new WaitForLocks());
    }

    /// <summary>The journal mode is a property of the file: set once, every later connection uses it.</summary>
    private static void UseWriteAheadLog(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"the SQLite journal {connection.DataSource} refused write-ahead-log mode (it stays in '{mode}' mode)");
    }

    /// <summary>
    /// Per connection: wait for a lock in SQLite rather than fail fast, and sync every commit (<c>FULL</c>: a write the
    /// journal confirmed survives a power cut, as it did in the rollback-journal mode).
    /// </summary>
    private sealed class WaitForLocks : ConnectionInterceptor
    {
        // A write waits up to 30 s for the lock, as long as Microsoft.Data.Sqlite's own retries did; then it fails.
        private const string Setup = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = FULL;";

        public override void ConnectionOpened(ConnectionEventData eventData, DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Setup;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Setup;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
