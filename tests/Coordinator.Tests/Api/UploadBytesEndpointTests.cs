using System.Net;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Atelier.Contracts.Api;
using Atelier.Shared.Hosting;
using Atelier.Coordinator.Api;
using Atelier.Coordinator.Artifacts;
using Atelier.Coordinator.Hosting;
using Atelier.Shared.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Atelier.Shared.Protocol.ArtifactProtocol;

namespace Atelier.Coordinator.Tests.Api;

/// <summary>
/// <c>PUT /artifacts/uploads/{id}</c> in a real Kestrel server on a loopback port, in front of a real
/// <see cref="ArtifactIngest"/>: the offer's answer names the URL, the body's bytes are checked like streamed ones, and
/// the unused SinkRef timing out (after 2 s here) fails nothing.
/// </summary>
public sealed class UploadBytesEndpointTests : Akka.Hosting.TestKit.TestKit, IAsyncLifetime
{
    private static readonly SweepId Sweep = new("http-upload-test");
    private static readonly TimeSpan SinkWaits = TimeSpan.FromSeconds(2);
    private readonly string _root = Directory.CreateTempSubdirectory("atelier-http-upload-").FullName;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private ArtifactStore _store = null!;
    private IActorRef _ingest = null!;
    private IngestRef _ingestRef = null!;
    private Akka.TestKit.TestProbe _sweeps = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected override void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider provider) =>
        builder.WithAtelierSerialization()
            .AddHocon($"akka.stream.materializer.stream-ref.subscription-timeout = {SinkWaits.TotalSeconds}s", HoconAddMode.Prepend);

    async ValueTask IAsyncLifetime.InitializeAsync()
    {
        await base.InitializeAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddLargeKestrelBlocks(); // Kestrel's blocks as in production
        builder.Logging.ClearProviders();
        var ingest = _ingestRef = new IngestRef();
        builder.Services.AddSingleton<IRequiredActor<ArtifactIngest>>(ingest);
        _app = builder.Build();
        _app.UseJsonErrors();
        _app.MapUploadBytesEndpoint();
        await _app.StartAsync(Ct);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address) };

        _sweeps = CreateTestProbe();
        ActorRegistry.Register<SweepRegion>(_sweeps.Ref, overwrite: true);
        _store = new ArtifactStore(_root);
        var uploadUrls = address + ArtifactIngest.UploadPath;
        var store = _store;
        var registry = ActorRegistry;
        _ingest = ingest.ActorRef = Sys.ActorOf(Props.Create(() => new ArtifactIngest(store, registry, uploadUrls)));
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        Directory.Delete(_root, recursive: true);
        await base.DisposeAsync();
    }

    private static (byte[] Bytes, ArtifactInfo Info) Checkpoint(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        return (bytes, new ArtifactInfo(ArtifactInfo.Checkpoint, 1, "checkpoints/step-1.bin", Convert.ToHexStringLower(SHA256.HashData(bytes)), size));
    }

    private async Task<(Akka.TestKit.TestProbe Uploader, UploadTo To)> OfferAsync(ArtifactInfo info)
    {
        var uploader = CreateTestProbe();
        _ingest.Tell(new ArtifactIngest.Forwarded(new OfferArtifact(Sweep, 0, 1, info), uploader.Ref));
        var to = await uploader.ExpectMsgAsync<UploadTo>(TimeSpan.FromSeconds(10), cancellationToken: Ct);
        Assert.NotNull(to.Url);
        return (uploader, to);
    }

    private async Task<UploadResult> ConfirmAsync(Akka.TestKit.TestProbe uploader, UploadTo to)
    {
        to.Store.Tell(new ConfirmUpload(to.UploadId), uploader.Ref);
        return await uploader.ExpectMsgAsync<UploadResult>(TimeSpan.FromSeconds(10), cancellationToken: Ct);
    }

    private async Task<(HttpStatusCode Status, string Body)> PutAsync(string url, HttpContent content)
    {
        using var response = await _http.PutAsync(url, content, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private List<string> FilesInStore() =>
        Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_root, f)).ToList();

    [Fact]
    public async Task Bytes_put_over_http_are_stored_and_recorded_even_when_they_take_longer_than_the_unused_sink_waits()
    {
        var (bytes, info) = Checkpoint(3 << 20);
        var (uploader, to) = await OfferAsync(info);

        // Half the bytes, a pause past the SinkRef's subscription timeout, the rest.
        var (status, body) = await PutAsync(to.Url!, new SlowBody(bytes, SinkWaits + TimeSpan.FromSeconds(1)));
        Assert.True(status == HttpStatusCode.NoContent, $"{status}: {body}");

        Assert.Equal(info, (await _sweeps.ExpectMsgAsync<RecordArtifact>(TimeSpan.FromSeconds(10), cancellationToken: Ct)).Artifact);
        _ingest.Tell(new ArtifactRecorded(Sweep, info.Sha256, null));
        Assert.Equal(new UploadResult(to.UploadId, true, null), await ConfirmAsync(uploader, to));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_store.PathOf(info.Sha256), Ct));
        Assert.Equal([Path.Combine("sha256", info.Sha256[..2], info.Sha256)], FilesInStore());
        // Kestrel read the body through the coordinator's 64 KiB blocks.
        Assert.True(((LargeBlockMemoryPool.Factory)_app.Services.GetRequiredService<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>>()).PoolsCreated > 0);
    }

    [Theory]
    [InlineData("flipped", HttpStatusCode.BadRequest, "SHA-256 mismatch")]
    [InlineData("short", HttpStatusCode.BadRequest, "the request has 99999 bytes; the offer said 100000")]
    [InlineData("long", HttpStatusCode.BadRequest, "the request has 100001 bytes; the offer said 100000")]
    [InlineData("long-chunked", HttpStatusCode.BadRequest, "more than the 100000 bytes the offer said")]
    public async Task Damaged_bytes_are_refused_naming_the_damage_and_nothing_is_kept(string damage, HttpStatusCode expected, string error)
    {
        var (bytes, info) = Checkpoint(100_000);
        var (uploader, to) = await OfferAsync(info);
        var sent = damage switch
        {
            "flipped" => bytes.Select((b, i) => i == 70_000 ? (byte)(b ^ 1) : b).ToArray(),
            "short" => bytes[..^1],
            _ => [.. bytes, 0],
        };
        HttpContent content = damage == "long-chunked" ? new StreamContent(new NonSeekable(sent)) : new ByteArrayContent(sent);

        var (status, body) = await PutAsync(to.Url!, content);
        Assert.True(status == expected, $"{status}: {body}");
        if (status != HttpStatusCode.NoContent) Assert.Contains(error, body);

        var result = await ConfirmAsync(uploader, to);
        Assert.False(result.Stored);
        Assert.Contains(error, result.Error);
        await _sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300), Ct); // never recorded
        Assert.Empty(FilesInStore());
    }

    [Fact]
    public async Task Bytes_the_store_cannot_write_are_answered_500_naming_the_fault_and_the_upload_fails()
    {
        var (bytes, info) = Checkpoint(100_000);
        var (uploader, to) = await OfferAsync(info);
        // The store's directory of temporary files is gone, a file in its place (a fault of the coordinator's disk).
        var temp = Path.Combine(_root, "tmp");
        Directory.Delete(temp, recursive: true);
        await File.WriteAllTextAsync(temp, "not a directory", Ct);

        var (status, body) = await PutAsync(to.Url!, new ByteArrayContent(bytes));
        Assert.True(status == HttpStatusCode.InternalServerError, $"{status}: {body}");
        Assert.Contains("the store could not keep it", body);
        var result = await ConfirmAsync(uploader, to);
        Assert.False(result.Stored);
        Assert.Contains("the store could not keep it", result.Error);
        await _sweeps.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(300), Ct); // never recorded
        Assert.False(_store.Contains(info.Sha256));
    }

    [Fact]
    public async Task A_put_to_an_unknown_upload_or_one_being_sent_already_is_refused_saying_so()
    {
        var (unknown, _) = await PutAsync(ArtifactIngest.UploadPath + RandomNumberGenerator.GetHexString(32, lowercase: true), new ByteArrayContent([1]));
        Assert.Equal(HttpStatusCode.NotFound, unknown);

        var (bytes, info) = Checkpoint(1 << 20);
        var (uploader, to) = await OfferAsync(info);
        var first = PutAsync(to.Url!, new SlowBody(bytes, TimeSpan.FromSeconds(1)));
        await Task.Delay(300, Ct);
        var (status, body) = await PutAsync(to.Url!, new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("being sent already", body);
        Assert.Equal(HttpStatusCode.NoContent, (await first).Status);
        await _sweeps.ExpectMsgAsync<RecordArtifact>(TimeSpan.FromSeconds(10), cancellationToken: Ct);
        _ingest.Tell(new ArtifactRecorded(Sweep, info.Sha256, null));
        Assert.True((await ConfirmAsync(uploader, to)).Stored);

        var (again, againBody) = await PutAsync(to.Url!, new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.NotFound, again);
        Assert.Contains("no upload waits for bytes under this id", againBody);
    }

    [Fact]
    public async Task A_put_for_bytes_already_arriving_through_the_stream_is_refused_and_the_stream_upload_completes()
    {
        var (bytes, info) = Checkpoint(2 * ChunkSize);
        var (uploader, to) = await OfferAsync(info);
        var rest = new TaskCompletionSource<byte[]>();
        Source.Single(bytes[..ChunkSize]).Concat(Source.FromTask(rest.Task)).RunWith(to.Sink.Sink, Sys.Materializer());
        await Task.Delay(500, Ct); // the first chunk is written

        var (status, body) = await PutAsync(to.Url!, new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("arriving through its stream already", body);

        rest.SetResult(bytes[ChunkSize..]);
        Assert.Equal(info, (await _sweeps.ExpectMsgAsync<RecordArtifact>(TimeSpan.FromSeconds(10), cancellationToken: Ct)).Artifact);
        _ingest.Tell(new ArtifactRecorded(Sweep, info.Sha256, null));
        Assert.True((await ConfirmAsync(uploader, to)).Stored);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_store.PathOf(info.Sha256), Ct));
    }

    [Fact]
    public async Task A_coordinator_that_takes_bytes_over_remoting_only_gives_no_url_and_refuses_a_put()
    {
        var (_, info) = Checkpoint(1000);
        var store = _store;
        var registry = ActorRegistry;
        var remotingOnly = Sys.ActorOf(Props.Create(() => new ArtifactIngest(store, registry, null)));
        _ingestRef.ActorRef = remotingOnly;
        var uploader = CreateTestProbe();
        remotingOnly.Tell(new ArtifactIngest.Forwarded(new OfferArtifact(Sweep, 0, 1, info), uploader.Ref));
        var to = await uploader.ExpectMsgAsync<UploadTo>(TimeSpan.FromSeconds(10), cancellationToken: Ct);
        Assert.Null(to.Url);
        var (status, body) = await PutAsync(ArtifactIngest.UploadPath + to.UploadId, new ByteArrayContent(new byte[1000]));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("over remoting only", body);
    }

    private sealed class IngestRef : IRequiredActor<ArtifactIngest>
    {
        public IActorRef ActorRef { get; set; } = ActorRefs.Nobody;

        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(ActorRef);
    }

    /// <summary>Sends the first half of the bytes, waits, then the rest.</summary>
    private sealed class SlowBody(byte[] bytes, TimeSpan pause) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            await Task.Delay(pause);
            await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }

    /// <summary>A body whose length is not known in advance: sent chunked.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
