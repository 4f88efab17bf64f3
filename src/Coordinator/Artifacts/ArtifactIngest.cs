using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Hosting;
using Atelier.Contracts.Api;
using Atelier.Coordinator.Hosting;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.ArtifactProtocol;

namespace Atelier.Coordinator.Artifacts;

/// <summary>
/// The store's door on one coordinator. Sweeps forward offers and fetches here (after checking
/// that the trial or artifact is theirs); an upload's bytes arrive into a temporary file, either as an HTTP PUT to
/// this coordinator's API port (<see cref="UploadTo.Url"/>, what workers use when they reach it) or through the
/// offer's SinkRef over remoting, are checked (size, SHA-256) and moved into the <see cref="ArtifactStore"/>, then
/// recorded by the sweep; downloads leave through a SourceRef.
/// </summary>
public sealed class ArtifactIngest : ReceiveActor, IWithTimers
{
    private readonly ArtifactStore _store;
    private readonly IReadOnlyActorRegistry _registry;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, Upload> _uploads = new();
    private long _recordsSent;
    private readonly ActorMaterializer _materializer = Context.Materializer();
    private readonly string? _uploadUrls;

    /// <param name="uploadUrls">
    /// Where this coordinator takes upload bytes over HTTP, the upload's id appended (see <see cref="UploadPath"/>);
    /// null: through the SinkRef only.
    /// </param>
    public ArtifactIngest(ArtifactStore store, IReadOnlyActorRegistry registry, string? uploadUrls = null)
    {
        _store = store;
        _registry = registry;
        _uploadUrls = uploadUrls;
        Receive<Forwarded>(f => Begin(f.Offer, f.Uploader));
        Receive<Arrived>(Arrive);
        Receive<ClaimUpload>(Claim);
        Receive<ArtifactRecorded>(r =>
        {
            // A sweep answers its RecordArtifacts one by one, in the order they were sent: the answer is the oldest
            // upload still being recorded for that sweep and hash. (Two trials often upload the same bytes, e.g. the
            // inputs as used: each upload completes only once its own trial has recorded it.)
            var recorded = _uploads
                .Where(u => u.Value.RecordSent is not null && u.Value.Result is null
                            && u.Value.Offer.SweepId == r.SweepId && u.Value.Offer.Artifact.Sha256 == r.Sha256)
                .MinBy(u => u.Value.RecordSent);
            if (recorded.Value is { } upload)
                Finish(recorded.Key, upload with { Result = new UploadResult(recorded.Key, r.Error is null, r.Error) });
        });
        Receive<ConfirmUpload>(c =>
        {
            if (!_uploads.TryGetValue(c.UploadId, out var upload))
                Sender.Tell(new UploadResult(c.UploadId, false, $"unknown upload {c.UploadId} (it expired or never started)"));
            else if (upload.Result is { } result) Reply(c.UploadId, result, Sender);
            else _uploads[c.UploadId] = upload with { Waiting = [.. upload.Waiting, Sender] };
        });
        Receive<ServeArtifact>(Serve);
        Receive<Forget>(f => _uploads.Remove(f.UploadId));
        // An upload waiting for its bytes writes nothing; touching its file tells the collector it is in use.
        Receive<KeepTempFiles>(_ =>
        {
            foreach (var upload in _uploads.Values.Where(u => u.Result is null && u.RecordSent is null))
                ArtifactStore.KeepTempFile(upload.TempFile);
        });
    }

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("keep-temp-files", KeepTempFiles.Instance, ArtifactStore.TempFileIdle / 4);

    private sealed class KeepTempFiles
    {
        public static readonly KeepTempFiles Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>An upload still streaming after this long is given up; until then its temporary file is in use.</summary>
    public static readonly TimeSpan UploadTimeout = TimeSpan.FromMinutes(10);

    /// <summary>A sweep passes an offer on with the uploader that must get the <see cref="UploadTo"/>.</summary>
    public sealed record Forwarded(OfferArtifact Offer, IActorRef Uploader);

    /// <summary>The path under which the API takes an upload's bytes: <c>PUT /artifacts/uploads/{id}</c>.</summary>
    public const string UploadPath = "/artifacts/uploads/";

    /// <summary>Which way an upload's bytes came (or the timer that gave up on them).</summary>
    public enum ByteRoute { Stream, Http, Timeout }

    /// <summary>
    /// The upload's bytes arrived, matched the offer and are in the store (<see cref="StoreUpload"/>), or not, and
    /// <paramref name="Error"/> says why.
    /// </summary>
    public sealed record Arrived(string UploadId, ByteRoute Route, string? Error);

    /// <summary>
    /// The API asks to write upload <paramref name="UploadId"/>'s bytes from an HTTP request; answered with
    /// <see cref="UploadClaimed"/>, or with <see cref="UploadResult"/> naming why not. The request then reports
    /// <see cref="Arrived"/> (<see cref="ByteRoute.Http"/>).
    /// </summary>
    public sealed record ClaimUpload(string UploadId);

    /// <summary>
    /// Write exactly <paramref name="Artifact"/>'s size in bytes into <paramref name="TempFile"/> through a
    /// <see cref="HashingFileWriter"/>, then <see cref="StoreUpload"/> them in <paramref name="Store"/>.
    /// </summary>
    public sealed record UploadClaimed(string TempFile, ArtifactInfo Artifact, ArtifactStore Store);

    /// <summary>
    /// Flushes the written upload to the disk, checks it against the offer (size, SHA-256) and moves it into the store:
    /// null when stored, else why not (the temporary file is then gone). Called by the way the bytes came, in its own
    /// task, never on this actor's thread: the flushes wait for the disk, and every other upload would wait with them.
    /// </summary>
    public static string? StoreUpload(ArtifactStore store, HashingFileWriter writer, string tempFile, ArtifactInfo expected)
    {
        string sha256;
        try
        {
            sha256 = writer.Finish();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The flush to the disk failed (a full or failing disk, a network store reporting a write error).
            ArtifactStore.DiscardTempFile(tempFile);
            return ArtifactStore.CouldNotKeep(e);
        }
        return store.Commit(tempFile, sha256, expected.Sha256, expected.Size);
    }

    private sealed record Upload(OfferArtifact Offer, string TempFile, UploadResult? Result, IReadOnlyList<IActorRef> Waiting)
    {
        /// <summary>
        /// Which way the bytes come, taken by the first to start writing (the stream's first chunk, an HTTP claim): the
        /// other way is refused (so is a second HTTP claim), and its end (the unused SinkRef timing out) changes nothing.
        /// </summary>
        public RouteClaim Route { get; } = new();

        /// <summary>When the offer arrived (<see cref="System.Diagnostics.Stopwatch"/> ticks).</summary>
        public long Offered { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();

        /// <summary>The order in which its <see cref="RecordArtifact"/> went to the sweep; null until then.</summary>
        public long? RecordSent { get; init; }
    }

    /// <summary>Which way an upload's bytes come: taken once, by the first way that starts writing; safe from any thread.</summary>
    public sealed class RouteClaim
    {
        private int _owner = -1;

        /// <summary>True when <paramref name="route"/> has the bytes (now or already), false when the other way has them.</summary>
        public bool TryTake(ByteRoute route) => Interlocked.CompareExchange(ref _owner, (int)route, -1) is var before && (before == -1 || before == (int)route);

        public ByteRoute? Owner => Volatile.Read(ref _owner) is var owner and >= 0 ? (ByteRoute)owner : null;
    }

    private void Begin(OfferArtifact offer, IActorRef uploader)
    {
        var artifact = offer.Artifact;
        if (!ArtifactStore.IsSha256(artifact.Sha256) || !ArtifactInfo.IsSafeFileName(artifact.FileName) || artifact.Size < 0)
        {
            uploader.Tell(new UploadResult("", false, $"refused artifact {artifact.FileName}: needs a lower-case SHA-256, a relative file name without '..' and a size"));
            return;
        }
        // The id is the capability to send the bytes over HTTP (no bearer token there): 128 random bits, told only to the
        // uploader, over remoting.
        var id = RandomNumberGenerator.GetHexString(32, lowercase: true);
        string temp;
        try
        {
            temp = _store.NewTempFile();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Refused, not thrown: a restarted actor would forget every other upload under way.
            var error = $"the store cannot make a temporary file: {e.Message}";
            _log.Warning("artifact {0} of {1} trial {2} refused: {3}", artifact.FileName, offer.SweepId, offer.TrialIndex, error);
            uploader.Tell(new UploadResult("", false, $"refused artifact {artifact.FileName}: {error}"));
            return;
        }
        var self = Self;
        // The sink's materialized SinkRef goes to the uploader. The bytes are hashed as they are written (no second read
        // of the file to check it); when the write completes, this stream's task stores them (StoreUpload) and says so.
        var writer = new HashingFileWriter(temp);
        var upload = new Upload(offer, temp, null, []);
        var route = upload.Route;
        var store = _store;
        var (sinkRef, written) = StreamRefs.SinkRef<byte[]>()
            .ToMaterialized(Sink.ForEachAsync<byte[]>(1, chunk => route.TryTake(ByteRoute.Stream)
                ? writer.WriteAsync(chunk)
                : throw new IOException("the bytes are arriving over HTTP")), Keep.Both)
            .Run(_materializer);
        _uploads[id] = upload;
        written.ContinueWith(t =>
            {
                using (writer)
                {
                    if (!t.IsCompletedSuccessfully)
                        return new Arrived(id, ByteRoute.Stream, $"the upload stream failed: {t.Exception?.GetBaseException().Message ?? "incomplete"}");
                    if (!route.TryTake(ByteRoute.Stream)) return new Arrived(id, ByteRoute.Stream, "the bytes are arriving over HTTP");
                    return new Arrived(id, ByteRoute.Stream, StoreUpload(store, writer, temp, artifact));
                }
            })
            .PipeTo(self);
        var url = _uploadUrls is null ? null : _uploadUrls + id;
        sinkRef.ContinueWith(t => t.IsCompletedSuccessfully ? (object)new UploadTo(id, t.Result, self, url) : new UploadResult(id, false, "could not open the upload stream"))
            .PipeTo(uploader);
        Timers.StartSingleTimer("expire-" + id,
            new Arrived(id, ByteRoute.Timeout, $"the upload did not finish within {UploadTimeout.TotalMinutes:0} minutes"), UploadTimeout);
    }

    private void Claim(ClaimUpload c)
    {
        if (_uploadUrls is null)
            Sender.Tell(new UploadResult(c.UploadId, false, "this coordinator takes upload bytes over remoting only (--artifact-transport remoting)"));
        else if (!_uploads.TryGetValue(c.UploadId, out var upload) || upload.Result is not null || upload.RecordSent is not null)
            Sender.Tell(new UploadResult(c.UploadId, false, "no upload waits for bytes under this id (it expired, ended or never started)"));
        else if (upload.Route.Owner == ByteRoute.Http)
            Sender.Tell(new UploadResult(c.UploadId, false, "this upload's bytes are being sent already"));
        else if (!upload.Route.TryTake(ByteRoute.Http))
            Sender.Tell(new UploadResult(c.UploadId, false, "this upload's bytes are arriving through its stream already"));
        else
            Sender.Tell(new UploadClaimed(upload.TempFile, upload.Offer.Artifact, _store));
    }

    private void Arrive(Arrived a)
    {
        if (!_uploads.TryGetValue(a.UploadId, out var upload) || upload.Result is not null) return;
        // Only the way that took the bytes (or the timer) ends the upload: the SinkRef of an upload sent over HTTP is never
        // used, and its subscription timing out is no failure.
        if (a.Route != ByteRoute.Timeout && upload.Route.Owner is { } owner && owner != a.Route) return;
        var artifact = upload.Offer.Artifact;
        if (a.Error is { } error)
        {
            // A failed store has deleted the file already; a failed transfer has not. When the timer gives up on bytes that
            // are still coming, their way may still be writing or storing the file: it is left to the collector, which
            // removes it once nothing touches it.
            if (a.Route != ByteRoute.Timeout || upload.Route.Owner is null) ArtifactStore.DiscardTempFile(upload.TempFile);
            _log.Warning("artifact {0} of {1} trial {2} refused: {3}", artifact.FileName, upload.Offer.SweepId, upload.Offer.TrialIndex, error);
            Finish(a.UploadId, upload with { Result = new UploadResult(a.UploadId, false, error) });
            return;
        }
        // Large files: how fast they came (offer to verified and in place), for docs/benchmarks.md's checkpoint bench.
        if (artifact.Size >= 1 << 20)
        {
            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(upload.Offered).TotalSeconds;
            _log.Info("artifact {0} of {1} trial {2}: {3} bytes received, verified and stored in {4:0.000} s ({5:0.0} MB/s)",
                artifact.FileName, upload.Offer.SweepId, upload.Offer.TrialIndex, artifact.Size, seconds, artifact.Size / seconds / 1e6);
        }
        // Stored: the sweep persists the reference, then ArtifactRecorded completes the upload.
        _uploads[a.UploadId] = upload with { RecordSent = ++_recordsSent };
        _registry.Get<SweepRegion>().Tell(new RecordArtifact(upload.Offer.SweepId, upload.Offer.TrialIndex, upload.Offer.Attempt, artifact), Self);
    }

    private void Finish(string id, Upload upload)
    {
        _uploads[id] = upload;
        foreach (var waiting in upload.Waiting) Reply(id, upload.Result!, waiting);
        _uploads[id] = upload with { Waiting = [] };
        // Keep the answer a while for a late ConfirmUpload, then forget it.
        Timers.Cancel("expire-" + id);
        Timers.StartSingleTimer("forget-" + id, new Forget(id), TimeSpan.FromMinutes(5));
    }

    private static void Reply(string id, UploadResult result, IActorRef to) => to.Tell(result with { UploadId = id });

    private void Serve(ServeArtifact s)
    {
        if (!_store.Contains(s.Sha256))
        {
            s.Requester.Tell(new UploadResult("", false, $"artifact {s.Sha256} is not in the store"));
            return;
        }
        var requester = s.Requester;
        var file = new FileInfo(_store.PathOf(s.Sha256));
        var size = s.Size == SizeOfStoredFile ? file.Length : s.Size;
        var log = _log;
        var store = _store;
        // The file is hashed as it leaves: a stored file damaged on disk fails the stream at its end (and is logged),
        // so the requester refuses it even before its own check, and falls back (an older checkpoint).
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var end = new byte[0]; // marks the end of the file, to check the hash before the stream completes
        ReadChunks(file.FullName)
            .Concat(Source.Single(end))
            .Select(bytes =>
            {
                if (!ReferenceEquals(bytes, end))
                {
                    hash.AppendData(bytes);
                    return bytes;
                }
                var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                hash.Dispose();
                if (actual == s.Sha256) return bytes;
                var moved = Quarantine(store, s.Sha256);
                log.Warning("stored artifact {0} is damaged: its bytes hash to {1}; refused to {2}, {3}", s.Sha256, actual, requester.Path,
                    moved is null ? "could not be moved aside" : $"moved to {moved} (the next upload of these bytes stores them again)");
                throw new IOException($"stored artifact {s.Sha256} is damaged (its bytes hash to {actual})");
            })
            .Where(bytes => !ReferenceEquals(bytes, end))
            .RunWith(StreamRefs.SourceRef<byte[]>(), _materializer)
            .ContinueWith(t => t.IsCompletedSuccessfully ? (object)new DownloadFrom(s.Sha256, size, t.Result) : new UploadResult("", false, "could not open the download stream"))
            .PipeTo(requester);
    }

    /// <summary>
    /// Moves a damaged stored file to <c>damaged/</c> (kept for a look; the collector leaves that directory alone), so
    /// that the store no longer claims the hash and an upload of the true bytes stores them again; null if it failed.
    /// </summary>
    private static string? Quarantine(ArtifactStore store, string sha256)
    {
        try
        {
            var dir = Path.Combine(store.Root, "damaged");
            Directory.CreateDirectory(dir);
            var target = Path.Combine(dir, $"{sha256}.{DateTime.UtcNow:yyyyMMddTHHmmssfff}");
            File.Move(store.PathOf(sha256), target);
            return target;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed record Forget(string UploadId);
}
