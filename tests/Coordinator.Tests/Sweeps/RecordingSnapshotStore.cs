using System.Collections.Concurrent;
using Akka.Persistence;
using Akka.Persistence.Snapshot;

namespace Atelier.Coordinator.Tests.Sweeps;

/// <summary>
/// The in-memory snapshot store, which also keeps every snapshot it was asked to save, as it was given, even after the
/// sweep deletes the older ones: a test can check each of them, not only the latest. It keeps what a real store would
/// read back, the snapshot through its serializer, where the in-memory store alone would keep the object it was given.
/// </summary>
public sealed class RecordingSnapshotStore : MemorySnapshotStore
{
    public const string Hocon = """
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.recording"
        akka.persistence.snapshot-store.recording.class = "Atelier.Coordinator.Tests.Sweeps.RecordingSnapshotStore, Atelier.Coordinator.Tests"
        """;

    private static readonly ConcurrentQueue<(SnapshotMetadata Metadata, object Snapshot)> All = new();

    /// <summary>Every snapshot of <paramref name="persistenceId"/> saved so far, in the order they came.</summary>
    public static IReadOnlyList<(SnapshotMetadata Metadata, object Snapshot)> Saved(string persistenceId) =>
        All.Where(s => s.Metadata.PersistenceId == persistenceId).ToList();

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        All.Enqueue((metadata, snapshot));
        var serialization = Context.System.Serialization;
        var serializer = serialization.FindSerializerFor(snapshot);
        var readBack = serialization.Deserialize(serializer.ToBinary(snapshot), serializer.Identifier,
            Akka.Serialization.Serialization.ManifestFor(serializer, snapshot));
        return base.SaveAsync(metadata, readBack, cancellationToken);
    }
}
