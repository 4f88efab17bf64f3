using System.Security.Cryptography;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Atelier.Contracts.Api;
using Atelier.Shared.Hosting;
using Atelier.Coordinator.Artifacts;
using Atelier.Coordinator.Hosting;
using Atelier.Shared.Protocol;
using static Atelier.Shared.Protocol.ArtifactProtocol;

namespace Atelier.Coordinator.Tests.Artifacts;

/// <summary>
/// An upload completes only once its own trial has recorded it, also when two trials upload the same bytes (the
/// inputs as used, identical checkpoints): the sweep's answer for one must not complete the other.
/// </summary>
public sealed class ArtifactUploadTests : Akka.Hosting.TestKit.TestKit
{
    private static readonly SweepId Sweep = new("upload-test");
    private readonly string _root = Directory.CreateTempSubdirectory("atelier-upload-").FullName;

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithAtelierSerialization();

    // Not Dispose: xUnit v3 calls only DisposeAsync on a class that has it, as the TestKit does. The TestKit stops the
    // actor system only after this; stopped here first, so that no actor writes into the directory as it goes.
    protected override async Task AfterAllAsync()
    {
        await base.AfterAllAsync();
        await ShutdownAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Two_trials_uploading_the_same_bytes_each_wait_for_their_own_record()
    {
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<SweepRegion>(sweeps.Ref, overwrite: true);
        var ingest = Sys.ActorOf(Props.Create(() => new ArtifactIngest(new ArtifactStore(_root), ActorRegistry)));
        var bytes = RandomNumberGenerator.GetBytes(3000);
        var info = new ArtifactInfo("input", 0, "inputs/style.png", Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);

        async Task<(Akka.TestKit.TestProbe Uploader, UploadTo To)> UploadAsync(int trial)
        {
            var uploader = CreateTestProbe();
            ingest.Tell(new ArtifactIngest.Forwarded(new OfferArtifact(Sweep, trial, 1, info), uploader.Ref));
            var to = await uploader.ExpectMsgAsync<UploadTo>(TimeSpan.FromSeconds(10));
            Source.Single(bytes).RunWith(to.Sink.Sink, Sys.Materializer());
            var record = await sweeps.ExpectMsgAsync<RecordArtifact>(TimeSpan.FromSeconds(10));
            Assert.Equal(trial, record.TrialIndex);
            to.Store.Tell(new ConfirmUpload(to.UploadId), uploader.Ref);
            return (uploader, to);
        }

        var (first, firstTo) = await UploadAsync(0);
        var (second, secondTo) = await UploadAsync(1);

        // The sweep has recorded trial 0's artifact only: trial 0's upload is done, trial 1's still waits.
        ingest.Tell(new ArtifactRecorded(Sweep, info.Sha256, null));
        Assert.Equal(new UploadResult(firstTo.UploadId, true, null), await first.ExpectMsgAsync<UploadResult>(TimeSpan.FromSeconds(10)));
        await second.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));

        ingest.Tell(new ArtifactRecorded(Sweep, info.Sha256, null));
        Assert.Equal(new UploadResult(secondTo.UploadId, true, null), await second.ExpectMsgAsync<UploadResult>(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("hash", "SHA-256 mismatch")]
    [InlineData("size", "size mismatch")]
    public async Task Damaged_bytes_are_refused_and_nothing_is_stored(string damage, string error)
    {
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<SweepRegion>(sweeps.Ref, overwrite: true);
        var store = new ArtifactStore(_root);
        var ingest = Sys.ActorOf(Props.Create(() => new ArtifactIngest(store, ActorRegistry)));
        var bytes = RandomNumberGenerator.GetBytes(3 * ChunkSize + 100);
        var info = new ArtifactInfo(ArtifactInfo.Checkpoint, 1, "checkpoints/step-1.bin", Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
        var sent = (byte[])bytes.Clone();
        if (damage == "hash") sent[ChunkSize + 7] ^= 1;
        else sent = sent[..^1];

        var uploader = CreateTestProbe();
        ingest.Tell(new ArtifactIngest.Forwarded(new OfferArtifact(Sweep, 0, 1, info), uploader.Ref));
        var to = await uploader.ExpectMsgAsync<UploadTo>(TimeSpan.FromSeconds(10));
        Source.From(sent.Chunk(ChunkSize)).RunWith(to.Sink.Sink, Sys.Materializer());
        to.Store.Tell(new ConfirmUpload(to.UploadId), uploader.Ref);

        var result = await uploader.ExpectMsgAsync<UploadResult>(TimeSpan.FromSeconds(10));
        Assert.False(result.Stored);
        Assert.Contains(error, result.Error);
        await sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300)); // never recorded
        Assert.False(store.Contains(info.Sha256));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_root, "tmp")));
    }

    [Fact]
    public async Task Intact_bytes_in_many_chunks_are_stored_under_their_hash()
    {
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<SweepRegion>(sweeps.Ref, overwrite: true);
        var store = new ArtifactStore(_root);
        var ingest = Sys.ActorOf(Props.Create(() => new ArtifactIngest(store, ActorRegistry)));
        var bytes = RandomNumberGenerator.GetBytes(5 * ChunkSize + 1);
        var info = new ArtifactInfo(ArtifactInfo.Checkpoint, 1, "checkpoints/step-1.bin", Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
        var path = Path.Combine(_root, "upload.bin");
        await File.WriteAllBytesAsync(path, bytes);

        var uploader = CreateTestProbe();
        ingest.Tell(new ArtifactIngest.Forwarded(new OfferArtifact(Sweep, 0, 1, info), uploader.Ref));
        var to = await uploader.ExpectMsgAsync<UploadTo>(TimeSpan.FromSeconds(10));
        ReadChunks(path).RunWith(to.Sink.Sink, Sys.Materializer());

        Assert.Equal(info, (await sweeps.ExpectMsgAsync<RecordArtifact>(TimeSpan.FromSeconds(10))).Artifact);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.PathOf(info.Sha256)));
    }

    [Fact]
    public async Task An_upload_whose_stream_fails_leaves_no_temporary_file_and_one_still_waiting_is_kept_in_use()
    {
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<SweepRegion>(sweeps.Ref, overwrite: true);
        var ingest = Sys.ActorOf(Props.Create(() => new ArtifactIngest(new ArtifactStore(_root), ActorRegistry)));
        var bytes = RandomNumberGenerator.GetBytes(2 * ChunkSize);
        var info = new ArtifactInfo(ArtifactInfo.Checkpoint, 1, "checkpoints/step-1.bin", Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
        var temp = Path.Combine(_root, "tmp");

        // A worker that dies mid-upload: its stream fails after one chunk.
        var dying = CreateTestProbe();
        ingest.Tell(new ArtifactIngest.Forwarded(new OfferArtifact(Sweep, 0, 1, info), dying.Ref));
        var dyingTo = await dying.ExpectMsgAsync<UploadTo>(TimeSpan.FromSeconds(10));
        Source.Single(bytes[..ChunkSize]).Concat(Source.Failed<byte[]>(new IOException("worker died")))
            .RunWith(dyingTo.Sink.Sink, Sys.Materializer());
        dyingTo.Store.Tell(new ConfirmUpload(dyingTo.UploadId), dying.Ref);
        var failed = await dying.ExpectMsgAsync<UploadResult>(TimeSpan.FromSeconds(10));
        Assert.False(failed.Stored);
        Assert.Empty(Directory.EnumerateFiles(temp));

        // A slow worker: its stream sent a chunk and nothing since. The collector judges a temporary file by its age.
        var slow = CreateTestProbe();
        ingest.Tell(new ArtifactIngest.Forwarded(new OfferArtifact(Sweep, 1, 1, info), slow.Ref));
        var slowTo = await slow.ExpectMsgAsync<UploadTo>(TimeSpan.FromSeconds(10));
        Source.Single(bytes[..ChunkSize]).Concat(Source.Never<byte[]>()).RunWith(slowTo.Sink.Sink, Sys.Materializer());
        string? waiting = null;
        await AwaitConditionAsync(() => Task.FromResult((waiting = Directory.EnumerateFiles(temp).SingleOrDefault()) is not null),
            TimeSpan.FromSeconds(10));
        File.SetLastWriteTimeUtc(waiting!, DateTime.UtcNow - ArtifactStore.TempFileIdle * 2);
        // The ingest touches the files of uploads still waiting for their bytes, every quarter of the idle time.
        await AwaitConditionAsync(() => Task.FromResult(File.GetLastWriteTimeUtc(waiting!) > DateTime.UtcNow - ArtifactStore.TempFileIdle),
            ArtifactStore.TempFileIdle / 2);
        ArtifactCollector.Sweep(new ArtifactStore(_root), new HashSet<string>(), DateTime.UtcNow);
        Assert.True(File.Exists(waiting), "the collector deleted the temporary file of an upload still waiting for its bytes");
    }

    [Fact]
    public async Task An_offer_the_store_has_no_room_for_is_refused_saying_why_and_an_upload_under_way_carries_on()
    {
        var sweeps = CreateTestProbe();
        ActorRegistry.Register<SweepRegion>(sweeps.Ref, overwrite: true);
        var store = new ArtifactStore(_root);
        var ingest = Sys.ActorOf(Props.Create(() => new ArtifactIngest(store, ActorRegistry)));
        var bytes = RandomNumberGenerator.GetBytes(ChunkSize + 10);
        var info = new ArtifactInfo(ArtifactInfo.Checkpoint, 1, "checkpoints/step-1.bin", Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length);
        var underWay = CreateTestProbe();
        ingest.Tell(new ArtifactIngest.Forwarded(new OfferArtifact(Sweep, 0, 1, info), underWay.Ref));
        var underWayTo = await underWay.ExpectMsgAsync<UploadTo>(TimeSpan.FromSeconds(10));

        // The store's directory of temporary files is gone, a file in its place: no temporary file can be made there.
        var temp = Path.Combine(_root, "tmp");
        Directory.Move(temp, temp + "-aside");
        await File.WriteAllTextAsync(temp, "not a directory", TestContext.Current.CancellationToken);
        var refused = CreateTestProbe();
        ingest.Tell(new ArtifactIngest.Forwarded(new OfferArtifact(Sweep, 1, 1, info), refused.Ref));
        var result = await refused.ExpectMsgAsync<UploadResult>(TimeSpan.FromSeconds(10));
        Assert.False(result.Stored);
        Assert.Contains("the store cannot make a temporary file", result.Error);

        // Repaired: the upload offered before goes through, so the ingest kept it (a restarted actor would have forgotten it).
        File.Delete(temp);
        Directory.Move(temp + "-aside", temp);
        Source.From(bytes.Chunk(ChunkSize)).RunWith(underWayTo.Sink.Sink, Sys.Materializer());
        Assert.Equal(info, (await sweeps.ExpectMsgAsync<RecordArtifact>(TimeSpan.FromSeconds(10))).Artifact);
        Assert.True(store.Contains(info.Sha256));
    }
}
