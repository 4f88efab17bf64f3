namespace Atelier.Shared.Serialization;

/// <summary>
/// An <see cref="Protocol.IAtelierMessage"/> that <see cref="AtelierSerializer.Prepare"/> has already turned into
/// bytes. <see cref="AtelierSerializer"/> writes them as they are, under the message's own manifest, so what is read back
/// is the message itself. It lets a sender serialize on a thread of its choosing what a store would otherwise serialize at
/// a bad moment: the SQL snapshot store serializes inside its write transaction, which on SQLite holds the database's one
/// write lock, so every journal write waited while a large sweep's snapshot was serialized (docs/benchmarks.md,
/// "Snapshots off the write lock").
/// </summary>
public sealed record PreSerialized(string Manifest, byte[] Bytes);
