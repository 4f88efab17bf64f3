using System.Security.Cryptography;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Atelier.Coordinator.Artifacts;
using Atelier.Shared.Hosting;
using static Atelier.Shared.Protocol.ArtifactProtocol;

namespace Atelier.Coordinator.Tests.Artifacts;

/// <summary>The store's door serves stored files as streams, checking each file's hash as it leaves.</summary>
public sealed class ArtifactServeTests : Akka.Hosting.TestKit.TestKit
{
    private readonly string _root = Directory.CreateTempSubdirectory("atelier-serve-").FullName;

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

    private (ArtifactStore Store, IActorRef Ingest) Start()
    {
        var store = new ArtifactStore(_root);
        var ingest = Sys.ActorOf(Props.Create(() => new ArtifactIngest(store, ActorRegistry)));
        return (store, ingest);
    }

    private static string Stored(ArtifactStore store, byte[] bytes)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var temp = store.NewTempFile();
        File.WriteAllBytes(temp, bytes);
        Assert.Null(store.Commit(temp, sha, bytes.Length));
        return sha;
    }

    private async Task<byte[]> DownloadAsync(IActorRef ingest, string sha, long size)
    {
        ingest.Tell(new ServeArtifact(sha, size, TestActor));
        var from = await ExpectMsgAsync<DownloadFrom>(TimeSpan.FromSeconds(10));
        var chunks = await from.Source.Source.RunWith(Sink.Seq<byte[]>(), Sys.Materializer()).WaitAsync(TimeSpan.FromSeconds(20));
        return chunks.SelectMany(c => c).ToArray();
    }

    [Fact]
    public async Task An_intact_file_is_served_whole_in_small_chunks()
    {
        var (store, ingest) = Start();
        var bytes = RandomNumberGenerator.GetBytes(3 * ChunkSize + 123);
        var sha = Stored(store, bytes);

        Assert.Equal(bytes, await DownloadAsync(ingest, sha, bytes.Length));
    }

    [Fact]
    public async Task A_file_damaged_in_the_store_fails_the_stream_and_is_logged()
    {
        var (store, ingest) = Start();
        var bytes = RandomNumberGenerator.GetBytes(2 * ChunkSize);
        var sha = Stored(store, bytes);
        // Same size, one byte flipped: only the hash can tell.
        var damaged = (byte[])bytes.Clone();
        damaged[ChunkSize + 7] ^= 0xff;
        File.WriteAllBytes(store.PathOf(sha), damaged);

        await EventFilter.Warning(contains: $"stored artifact {sha} is damaged: its bytes hash to").ExpectOneAsync(async () =>
        {
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => DownloadAsync(ingest, sha, bytes.Length));
            Assert.Contains("damaged", failure.GetBaseException().Message + failure.Message);
        });
        // Moved aside: the store no longer claims the hash, so the true bytes can be stored again.
        Assert.False(store.Contains(sha));
        Assert.Equal(damaged, File.ReadAllBytes(Assert.Single(Directory.GetFiles(Path.Combine(_root, "damaged")))));
        Assert.Equal(sha, Stored(store, bytes));
        Assert.Equal(bytes, await DownloadAsync(ingest, sha, bytes.Length));
    }
}
