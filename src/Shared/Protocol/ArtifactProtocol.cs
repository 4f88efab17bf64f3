using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;
using Atelier.Contracts.Api;

namespace Atelier.Shared.Protocol;

/// <summary>
/// Moving artifact bytes between workers and the coordinators' content-addressed store, checked by SHA-256:
/// Akka.Streams stream references of 64 KiB chunks (remoting frames are 128 KiB), or, for uploads, one HTTP
/// request whose URL the offer's answer gives (<see cref="UploadTo.Url"/>). Chunks travel as byte arrays, which
/// remoting serializes natively.
/// </summary>
public static class ArtifactProtocol
{
    /// <summary>Chunk size of artifact streams.</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>
    /// The bytes of the file at <paramref name="path"/> as chunks of <see cref="ChunkSize"/> (the last one shorter), each read
    /// straight into a fresh array: that array is what goes on the wire, with no copy in between.
    /// </summary>
    public static Source<byte[], NotUsed> ReadChunks(string path) =>
        Source.UnfoldResourceAsync<byte[], FileStream>(
            () => Task.FromResult(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, useAsync: true)),
            async file =>
            {
                var chunk = new byte[ChunkSize];
                var read = await file.ReadAtLeastAsync(chunk, ChunkSize, throwOnEndOfStream: false);
                return read == 0 ? Option<byte[]>.None : Option<byte[]>.Create(read == ChunkSize ? chunk : chunk[..read]);
            },
            file =>
            {
                file.Dispose();
                return Task.FromResult(Done.Instance);
            });

    /// <summary>A worker offers an artifact of a trial; the store answers the sender with <see cref="UploadTo"/>.</summary>
    public sealed record OfferArtifact(SweepId SweepId, int TrialIndex, int Attempt, ArtifactInfo Artifact) : IWithSweepId;

    /// <summary>
    /// Where to send the bytes of upload <paramref name="UploadId"/>, and whom to ask how it ended. <paramref name="Url"/>,
    /// when given, takes them as the body of one HTTP PUT on the coordinator's API port, at the speed of the network;
    /// <paramref name="Sink"/> takes them as chunks over remoting (several times slower), for an uploader that cannot
    /// reach <paramref name="Url"/>. The uploader uses one of the two.
    /// </summary>
    public sealed record UploadTo(string UploadId, ISinkRef<byte[]> Sink, IActorRef Store, string? Url = null) : IAtelierMessage;

    /// <summary>After streaming: asks how upload <paramref name="UploadId"/> ended; answered with <see cref="UploadResult"/>.</summary>
    public sealed record ConfirmUpload(string UploadId) : IAtelierMessage;

    /// <summary>Stored and recorded by the sweep, or refused (<paramref name="Error"/>: hash or size mismatch, bad name…).</summary>
    public sealed record UploadResult(string UploadId, bool Stored, string? Error) : IAtelierMessage;

    /// <summary>
    /// A worker asks for an artifact of a sweep, or an input its spec names, by hash; answered with
    /// <see cref="DownloadFrom"/> or <see cref="UploadResult"/> (an error).
    /// </summary>
    public sealed record FetchArtifact(SweepId SweepId, string Sha256) : IWithSweepId;

    public sealed record DownloadFrom(string Sha256, long Size, ISourceRef<byte[]> Source) : IAtelierMessage;

    /// <summary>The store tells the sweep that an artifact arrived intact; the sweep persists the reference.</summary>
    public sealed record RecordArtifact(SweepId SweepId, int TrialIndex, int Attempt, ArtifactInfo Artifact) : IWithSweepId, ISweepCommand;

    /// <summary>The sweep's answer to <see cref="RecordArtifact"/>: recorded, or why not.</summary>
    public sealed record ArtifactRecorded(SweepId SweepId, string Sha256, string? Error) : IAtelierMessage;

    /// <summary>The <see cref="ServeArtifact.Size"/> of an input: the store announces the size of the file it has.</summary>
    public const long SizeOfStoredFile = -1;

    /// <summary>
    /// Sent by a sweep to its node's store, with the original requester, for an artifact the sweep owns or an input its
    /// spec names (<see cref="SizeOfStoredFile"/>).
    /// </summary>
    public sealed record ServeArtifact(string Sha256, long Size, IActorRef Requester) : IAtelierMessage;
}
