using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;
using Akka.IO;
using Akka.Streams;
using Akka.Streams.Dsl;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.ArtifactProtocol;

namespace Atelier.GpuWorker.Artifacts;

/// <summary>
/// Uploads a trial's files to the coordinators' store (one HTTP PUT where the coordinator offers it, else 64 KiB chunks
/// over remoting) and downloads them back (chunks over remoting), checked by SHA-256 on both ends. Runs off the actor
/// threads (plain async).
/// </summary>
public sealed class ArtifactTransfer(ActorSystem system, Func<IActorRef> sweeps)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);
    private readonly IMaterializer _materializer = system.Materializer();

    /// <summary>One HTTP client for the process, as .NET advises (its connections are pooled and reused).</summary>
    private static readonly HttpUpload Http = new();

    /// <summary>
    /// Coordinators (scheme, host, port) this process could not reach over HTTP, and when: said once each in the log, and
    /// not tried again for <see cref="RetryUnreachable"/> (a dropped connection attempt costs the whole connect timeout).
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTime> Unreachable = new();

    private static readonly TimeSpan RetryUnreachable = TimeSpan.FromMinutes(5);

    /// <summary>Hashes and uploads <paramref name="path"/> (inside <paramref name="workDirectory"/>); null when stored, else why not.</summary>
    public async Task<string?> UploadAsync(
        SweepId sweep, int trial, int attempt, string kind, long step, string workDirectory, string path, CancellationToken ct)
    {
        var name = Path.GetRelativePath(workDirectory, path).Replace('\\', '/');
        if (!ArtifactInfo.IsSafeFileName(name)) return $"{path} is not inside the trial's work directory";
        var file = new FileInfo(path);
        if (!file.Exists) return $"{path} does not exist";
        string sha;
        await using (var stream = file.OpenRead()) sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
        var info = new ArtifactInfo(kind, step, name, sha, file.Length);

        var reply = await sweeps().Ask<object>(new OfferArtifact(sweep, trial, attempt, info), AskTimeout, ct);
        if (reply is UploadResult refused) return refused.Error ?? "refused";
        var to = (UploadTo)reply;
        var (sent, error) = to.Url is { } url ? await PutOverHttpAsync(url, file.FullName, info.Size, ct) : (false, null);
        if (error is not null) return error;
        if (!sent) await ReadChunks(file.FullName).WatchTermination((_, done) => done).To(to.Sink.Sink).Run(_materializer);
        var result = await to.Store.Ask<UploadResult>(new ConfirmUpload(to.UploadId), TimeSpan.FromMinutes(2), ct);
        return result.Stored ? null : result.Error ?? "refused";
    }

    /// <summary>
    /// Sends the file to <paramref name="url"/> unless its coordinator was unreachable lately: sent (and the error that ends
    /// the upload, if any), or not sent, for the caller to stream the bytes over remoting.
    /// </summary>
    private async Task<(bool Sent, string? Error)> PutOverHttpAsync(string url, string path, long size, CancellationToken ct)
    {
        var authority = new Uri(url).GetLeftPart(UriPartial.Authority);
        if (Unreachable.TryGetValue(authority, out var since) && DateTime.UtcNow - since < RetryUnreachable) return (false, null);
        var put = await Http.PutAsync(url, path, size, ct);
        if (put.Connected)
        {
            if (put.Error is null) Unreachable.TryRemove(authority, out _);
            return (true, put.Error);
        }
        if (Unreachable.TryAdd(authority, DateTime.UtcNow))
            system.Log.Warning("artifacts: {0}; uploads to it go over remoting instead (several times slower). Let workers reach the "
                + "coordinator's API port, or set its --artifact-transport remoting", put.Error);
        else Unreachable[authority] = DateTime.UtcNow;
        return (false, null);
    }

    /// <summary>Downloads <paramref name="artifact"/> into the work directory under its file name; null when the bytes check out, else why not.</summary>
    public async Task<string?> DownloadAsync(SweepId sweep, ArtifactInfo artifact, string workDirectory, CancellationToken ct)
    {
        if (!ArtifactInfo.IsSafeFileName(artifact.FileName)) return $"refused artifact name '{artifact.FileName}'";
        var target = Path.Combine(workDirectory, artifact.FileName);
        if (File.Exists(target) && await HashAsync(target, ct) == artifact.Sha256) return null; // this node already has it
        return await FetchAsync(sweep, artifact.Sha256, artifact.Size, artifact.FileName, target, ct);
    }

    /// <summary>
    /// Makes sure the input <paramref name="sha256"/> that <paramref name="sweep"/>'s spec names is in
    /// <paramref name="cacheDirectory"/> (<c>sha256/ab/abcdef…</c>, checked by hash, written atomically, shared by every
    /// trial on this node) and returns its path, and whether it was already there.
    /// </summary>
    /// <exception cref="IOException">The input could not be fetched, or arrived damaged.</exception>
    public async Task<(string Path, bool Cached)> FetchInputAsync(SweepId sweep, string sha256, string cacheDirectory, CancellationToken ct)
    {
        if (!Contracts.Specs.SpecInputs.IsSha256(sha256)) throw new IOException($"'{sha256}' is not a SHA-256");
        var target = Path.Combine(cacheDirectory, "sha256", sha256[..2], sha256);
        if (File.Exists(target))
        {
            if (await HashAsync(target, ct) == sha256) return (target, true);
            File.Delete(target); // damaged on disk: fetch it again
        }
        var error = await FetchAsync(sweep, sha256, null, "input sha256:" + sha256, target, ct);
        return error is null ? (target, false) : throw new IOException(error);
    }

    /// <summary>
    /// Streams <paramref name="sha256"/> from the store into <paramref name="target"/> through a temporary file of its
    /// own, renamed into place only when size (if known) and hash check out; null when done, else why not.
    /// </summary>
    private async Task<string?> FetchAsync(SweepId sweep, string sha256, long? size, string what, string target, CancellationToken ct)
    {
        var reply = await sweeps().Ask<object>(new FetchArtifact(sweep, sha256), AskTimeout, ct);
        if (reply is UploadResult refused) return refused.Error ?? "refused";
        var from = (DownloadFrom)reply;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        // Several slots may fetch the same file at once: each writes its own temporary file.
        var temp = $"{target}.{Guid.NewGuid():N}.part";
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Akka.Streams.IO.IOResult result;
            try
            {
                result = await from.Source.Source
                    .Select(chunk =>
                    {
                        hash.AppendData(chunk);
                        return ByteString.FromBytes(chunk);
                    })
                    .RunWith(FileIO.ToFile(new FileInfo(temp)), _materializer);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // E.g. the store found the file damaged as it served it: say why, so the caller can fall back.
                var cause = e;
                while (cause.InnerException is not null) cause = cause.InnerException;
                return $"the download of {what} failed: {cause.Message}";
            }
            if (!result.WasSuccessful) return $"the download of {what} failed";
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            var length = new FileInfo(temp).Length;
            if (actual != sha256 || length != (size ?? from.Size))
                return $"{what} arrived damaged: SHA-256 {actual}, expected {sha256}";
            File.Move(temp, target, overwrite: true);
            return null;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static async Task<string> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }
}
