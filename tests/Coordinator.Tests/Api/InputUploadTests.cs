using System.Net;
using Akka.Actor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Atelier.Coordinator.Api;
using Atelier.Coordinator.Artifacts;
using Atelier.Contracts.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Atelier.Coordinator.Tests.Api;

/// <summary><c>POST /api/inputs</c> and the spec's input check, in a real Kestrel server on a loopback port.</summary>
public sealed class InputUploadTests : IAsyncLifetime
{
    private const long Cap = 1 << 20; // 1 MiB
    private readonly string _root = Directory.CreateTempSubdirectory("atelier-inputs-").FullName;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private ArtifactStore _store = null!;
    private ActorSystem _system = null!;
    private TestProbeRegion _region = null!;
    private readonly System.Collections.Concurrent.ConcurrentQueue<object> _reached = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _store = new ArtifactStore(_root);
        builder.Services.AddSingleton(_store).AddSingleton(new InputLimits(Cap));
        // The sweep region is a probe: a spec that reaches it passed the input check, which these tests must never see.
        _system = ActorSystem.Create("input-upload-tests");
        _region = new TestProbeRegion(_system.ActorOf(Props.Create(() => new Recorder(_reached)), "sweeps"));
        builder.Services.AddSingleton(new SweepService(_system, _region));
        _app = builder.Build();
        _app.UseJsonErrors();
        _app.MapSweepEndpoints();
        _app.MapArtifactEndpoints();
        await _app.StartAsync(Ct);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _system.Terminate();
        Directory.Delete(_root, recursive: true);
    }

    private static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<(HttpStatusCode Status, string Body)> Upload(HttpContent content, string query)
    {
        using var response = await _http.PostAsync("api/inputs" + query, content, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    /// <summary>Files in the store: stored inputs, and anything left over in its temporary directory.</summary>
    private List<string> StoredFiles() =>
        Directory.Exists(_root) ? Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_root, f)).ToList() : [];

    [Fact]
    public async Task An_upload_is_stored_under_its_hash_and_answered_with_its_reference()
    {
        var bytes = Bytes(70_000, 1);
        var (status, body) = await Upload(new ByteArrayContent(bytes), $"?name=photo.png&sha256={Sha(bytes)}");
        Assert.True(status == HttpStatusCode.Created, body);
        var input = JsonSerializer.Deserialize<InputDto>(body, ApiJson.Options)!;
        Assert.Equal(new InputDto("photo.png", Sha(bytes), "sha256:" + Sha(bytes), bytes.Length, false), input);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_store.PathOf(Sha(bytes)), Ct));
        Assert.Equal([Path.Combine("sha256", Sha(bytes)[..2], Sha(bytes))], StoredFiles());
    }

    [Fact]
    public async Task A_store_that_cannot_write_answers_500_naming_the_fault_and_keeps_what_it_had()
    {
        var kept = Bytes(3000, 7);
        Assert.Equal(HttpStatusCode.Created, (await Upload(new ByteArrayContent(kept), "?name=kept.png")).Status);
        // The store's directory of temporary files is gone, a file in its place (a fault of the coordinator's disk).
        var temp = Path.Combine(_root, "tmp");
        Directory.Delete(temp, recursive: true);
        await File.WriteAllTextAsync(temp, "not a directory", Ct);

        var (status, body) = await Upload(new ByteArrayContent(Bytes(5000, 8)), "?name=photo.png");
        Assert.True(status == HttpStatusCode.InternalServerError, $"{(int)status}: {body}");
        var error = JsonSerializer.Deserialize<ApiError>(body, ApiJson.Options)!.Error;
        Assert.Contains("the coordinator could not read or write its files", error);
        Assert.Contains(temp, error);
        Assert.Equal(kept, await File.ReadAllBytesAsync(_store.PathOf(Sha(kept)), Ct));
    }

    [Fact]
    public async Task The_same_bytes_twice_are_stored_once()
    {
        var bytes = Bytes(5000, 2);
        var first = await Upload(new ByteArrayContent(bytes), "?name=a.png");
        var second = await Upload(new ByteArrayContent(bytes), "?name=b.png");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.True(second.Status == HttpStatusCode.OK, second.Body);
        Assert.True(JsonSerializer.Deserialize<InputDto>(second.Body, ApiJson.Options)!.Existed);
        Assert.Single(StoredFiles());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upload_over_the_cap_is_refused_with_413_naming_the_cap_and_nothing_is_stored(bool announcedLength)
    {
        var bytes = Bytes((int)Cap + 1, 3);
        HttpContent content = announcedLength ? new ByteArrayContent(bytes) : new StreamContent(new NonSeekable(bytes));
        var (status, body) = await Upload(content, "?name=big.png");
        Assert.True(status == HttpStatusCode.RequestEntityTooLarge, $"{status}: {body}");
        var error = JsonSerializer.Deserialize<ApiError>(body, ApiJson.Options)!.Error;
        Assert.Contains("1 MiB", error);
        Assert.Contains("--max-input-size", error);
        Assert.Contains("big.png", error);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task An_upload_exactly_at_the_cap_is_accepted()
    {
        var bytes = Bytes((int)Cap, 4);
        var (status, body) = await Upload(new StreamContent(new NonSeekable(bytes)), "");
        Assert.True(status == HttpStatusCode.Created, body);
        Assert.True(_store.Contains(Sha(bytes)));
    }

    [Theory]
    [InlineData("../photo.png", "'..'")]
    [InlineData("images/../../etc/passwd", "'..'")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("\\\\server\\share\\x.png", "absolute path")]
    [InlineData("C:\\photos\\x.png", "absolute path")]
    [InlineData("images/photo.png", "directories")]
    [InlineData("..", "'..'")]
    public async Task Names_with_directories_traversal_or_absolute_paths_are_refused(string name, string why)
    {
        var (status, body) = await Upload(new ByteArrayContent(Bytes(100, 5)), "?name=" + Uri.EscapeDataString(name));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = JsonSerializer.Deserialize<ApiError>(body, ApiJson.Options)!.Error;
        Assert.Contains(why, error);
        Assert.Contains("plain file name", error);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task Bytes_that_do_not_match_the_announced_hash_are_refused_and_not_stored()
    {
        var bytes = Bytes(1000, 6);
        var wrong = Sha(Bytes(1000, 7));
        var (status, body) = await Upload(new ByteArrayContent(bytes), $"?name=x.png&sha256={wrong}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("arrived damaged", body);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public async Task A_spec_naming_an_input_the_store_lacks_or_a_path_is_refused_with_400_before_anything_is_created()
    {
        var stored = Bytes(300, 8);
        Assert.Equal(HttpStatusCode.Created, (await Upload(new ByteArrayContent(stored), "?name=content.png")).Status);
        var missing = Sha(Bytes(300, 9));
        var spec = $"""
            name: inputs
            job: style-transfer
            method: grid
            metric: {"{"}name: total_loss, goal: minimize{"}"}
            parameters:
              content: {"{"}value: 'sha256:{Sha(stored)}'{"}"}
              style: {"{"}values: ['sha256:{missing}', /home/me/painting.jpg, builtin:swirls]{"}"}
            """;
        using var response = await _http.PostAsync("api/sweeps", new StringContent(spec, Encoding.UTF8, "application/yaml"), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        var error = JsonSerializer.Deserialize<ApiError>(body, ApiJson.Options)!;
        Assert.Equal(["parameters.style.values[0]", "parameters.style.values[1]"], error.Details!.Select(d => d.Field));
        Assert.Contains($"sha256:{missing} is not in the coordinator's store", error.Details![0].Message);
        Assert.Contains("file path", error.Details[1].Message);
        Assert.All(error.Details, d => Assert.Equal(7, d.Line));
        Assert.Empty(_reached);
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(System.Collections.Concurrent.ConcurrentQueue<object> reached) => ReceiveAny(reached.Enqueue);
    }

    private sealed class TestProbeRegion(IActorRef actor) : Akka.Hosting.IRequiredActor<Atelier.Coordinator.Hosting.SweepRegion>
    {
        public IActorRef ActorRef => actor;

        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(actor);
    }

    /// <summary>A body whose length is not known in advance: sent chunked.</summary>
    private sealed class NonSeekable(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
