using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// A style-transfer sweep whose content and style are local files: <c>pbm sweep submit</c> uploads them, the
/// coordinator keeps them by hash, the workers fetch them by hash, and <c>pbm sweep artifacts --out</c> brings the
/// trial's files back intact. Real processes, random VGG19 weights, tiny images.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed class InputsAndArtifactsTests(SharedClusterFixture fixture)
{
    private const string ContentFixture = "tests/GpuWorker.Tests/Style/Fixtures/baseline-440-64x48.jpg";
    private const string StyleFixture = "tests/GpuWorker.Tests/Style/Fixtures/progressive-420-101x67.jpg";

    // A file of its own, so that the first test sees workers fetch its inputs for the first time.
    private const string ApiFixture = "tests/GpuWorker.Tests/Style/Fixtures/baseline-422-restart-101x67.jpg";

    private LocalCluster Cluster => fixture.Cluster;

    private static string Spec(string name, string content, string style) => $$"""
        # content and style are files next to this spec: pbm uploads them
        name: {{name}}
        job: style-transfer
        method: grid
        metric: {name: total_loss, goal: minimize}
        max_retries: 0
        parameters:
          content: {value: {{content}}}
          style: {value: {{style}}}
          content_weight: {values: [1.0, 10.0]}
          size: {value: 32}
          iterations: {value: 2}
          preview_every: {value: 1}
          vgg_weights: {value: "random:7"}
          content_layer: {value: relu2_2}
          style_layers: {value: "relu1_1,relu2_1"}
          device: {value: cpu}
        """;

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private string StorePath(string sha) => Path.Combine(Cluster.CoordinatorDataDirectory, "artifacts", "sha256", sha[..2], sha);

    /// <summary>(width, height) from a PNG's IHDR.</summary>
    private static (int, int) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan(1, 3).SequenceEqual("PNG"u8), $"{path} is not a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact(Timeout = 600_000)]
    public Task Submit_uploads_the_files_workers_fetch_them_by_hash_and_artifacts_come_back_intact() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var work = Directory.CreateDirectory(Path.Combine(Cluster.Directory, "style-inputs")).FullName;
        Directory.CreateDirectory(Path.Combine(work, "images"));
        File.Copy(RepoLayout.File(ContentFixture), Path.Combine(work, "images", "content.jpg"));
        File.Copy(RepoLayout.File(StyleFixture), Path.Combine(work, "style.jpg"));
        var contentSha = Sha(File.ReadAllBytes(Path.Combine(work, "images", "content.jpg")));
        var styleSha = Sha(File.ReadAllBytes(Path.Combine(work, "style.jpg")));
        var spec = Path.Combine(work, "style-inputs.yaml");
        await File.WriteAllTextAsync(spec, Spec("style-inputs", "images/content.jpg", "style.jpg"), ct);

        // A dry run uploads nothing.
        var dry = await Cluster.RunPbmAsync(["sweep", "submit", spec, "--dry-run"], cancellationToken: ct);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("2 trials", dry.Stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(StorePath(contentSha)), "the dry run uploaded the content image");

        var submit = await Cluster.RunPbmAsync(["sweep", "submit", spec, "--wait"], TimeSpan.FromSeconds(400), ct);
        Assert.True(submit.ExitCode == 0, submit.ToString());
        Assert.Contains($"input images/content.jpg (", submit.Stdout, StringComparison.Ordinal);
        Assert.Contains($"uploaded as sha256:{contentSha}", submit.Stdout, StringComparison.Ordinal);
        var id = System.Text.RegularExpressions.Regex.Match(submit.Stdout, @"submitted sweep (\S+) ").Groups[1].Value;
        var sweep = (await Cluster.GetSweepAsync(id, cancellationToken: ct))!;
        Assert.Equal(SweepStatus.Completed, sweep.Status);
        Assert.All(sweep.Trials, t => Assert.True(t.Status == TrialStatus.Completed, $"trial {t.Index}: {t.Status} {t.Error}"));

        // The coordinator knows the inputs only by hash: in the stored spec, the trials and the store.
        Assert.DoesNotContain("content.jpg", sweep.SpecYaml, StringComparison.Ordinal);
        Assert.DoesNotContain(work, sweep.SpecYaml, StringComparison.Ordinal);
        Assert.Contains("# content and style are files next to this spec", sweep.SpecYaml, StringComparison.Ordinal);
        Assert.All(sweep.Trials, t => Assert.Equal(("sha256:" + contentSha, "sha256:" + styleSha),
            (t.Parameters["content"].AsString(), t.Parameters["style"].AsString())));
        Assert.Equal(File.ReadAllBytes(Path.Combine(work, "images", "content.jpg")), File.ReadAllBytes(StorePath(contentSha)));
        Assert.True(File.Exists(StorePath(styleSha)));

        // Each worker that ran a trial fetched the inputs by hash from the store (or found them in its cache).
        var ranOn = Cluster.Workers.Where(w => w.TrialsStarted(id).Count > 0).ToList();
        Assert.NotEmpty(ranOn);
        foreach (var worker in ranOn)
        {
            var log = worker.Process.ReadLog();
            Assert.Contains($"input content sha256:{contentSha} fetched from the store", log, StringComparison.Ordinal);
            Assert.Contains($"input style sha256:{styleSha} fetched from the store", log, StringComparison.Ordinal);
            var cached = Path.Combine(Cluster.Directory, $"worker-{worker.Number}", "inputs", "sha256", contentSha[..2], contentSha);
            Assert.Equal(contentSha, Sha(File.ReadAllBytes(cached)));
        }

        // pbm sweep artifacts lists the trial's files and downloads them, hashes checked.
        var list = await Cluster.RunPbmAsync(["sweep", "artifacts", id, "1", "--json"], cancellationToken: ct);
        Assert.True(list.ExitCode == 0, list.ToString());
        var artifacts = JsonSerializer.Deserialize<TrialArtifactsDto>(list.Stdout, ApiJson.Options)!.Artifacts;
        var names = artifacts.Select(a => a.Name).ToHashSet();
        foreach (var expected in new[] { "inputs/content.png", "inputs/style.png", "result.png", "previews/step-0001.png", "previews/step-0002.png", "checkpoints/step-000002.safetensors" })
            Assert.True(names.Contains(expected), $"no artifact {expected} among {string.Join(", ", names)}");
        Assert.All(artifacts.Where(a => a.Name.StartsWith("inputs/", StringComparison.Ordinal)), a => Assert.Equal("input", a.Kind));

        var outDir = Path.Combine(work, "trial-1");
        var download = await Cluster.RunPbmAsync(["sweep", "artifacts", id, "1", "--out", outDir], cancellationToken: ct);
        Assert.True(download.ExitCode == 0, download.ToString());
        foreach (var artifact in artifacts.GroupBy(a => a.Name).Select(g => g.MaxBy(a => a.Step)!))
        {
            var path = Path.Combine(outDir, artifact.Name);
            Assert.True(File.Exists(path), $"{artifact.Name} was not downloaded: {download}");
            Assert.Equal(artifact.Sha256, Sha(File.ReadAllBytes(path)));
        }
        Assert.Equal((32, 24), PngSize(Path.Combine(outDir, "inputs", "content.png"))); // 64×48 at size 32
        Assert.Equal((32, 24), PngSize(Path.Combine(outDir, "inputs", "style.png"))); // resized to the content image
        Assert.Equal((32, 24), PngSize(Path.Combine(outDir, "result.png")));

        // The API serves one artifact with its type and hash.
        using (var response = await Cluster.Http.GetAsync($"api/sweeps/{id}/trials/1/artifacts/inputs/content.png", ct))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            Assert.Equal(artifacts.Single(a => a.Name == "inputs/content.png").Sha256, Sha(bytes));
        }
    });

    [Fact(Timeout = 300_000)]
    public Task A_spec_sent_to_the_api_with_a_hash_runs_and_inputs_shared_by_sweeps_are_stored_once() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var bytes = await File.ReadAllBytesAsync(RepoLayout.File(ApiFixture), ct);
        var sha = Sha(bytes);

        var answers = new List<(HttpStatusCode, InputDto)>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await Cluster.Http.PostAsync("api/inputs?name=photo.jpg", new ByteArrayContent(bytes), ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.IsSuccessStatusCode, body);
            answers.Add((response.StatusCode, JsonSerializer.Deserialize<InputDto>(body, ApiJson.Options)!));
        }
        Assert.All(answers, a => Assert.Equal("sha256:" + sha, a.Item2.Ref));
        Assert.True(answers[1].Item2.Existed);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(StorePath(sha))!), f => Path.GetFileName(f) == sha);

        var yaml = Spec("api-inputs", $"'sha256:{sha}'", $"'sha256:{sha}'").Replace("values: [1.0, 10.0]", "values: [3.0]", StringComparison.Ordinal);
        var submitted = await Cluster.SubmitAsync(yaml, ct);
        var sweep = await Cluster.WaitForSweepAsync(submitted.Id, TimeSpan.FromSeconds(200), cancellationToken: ct);
        var trial = Assert.Single(sweep.Trials);
        Assert.True(trial.Status == TrialStatus.Completed, $"{trial.Status}: {trial.Error}");
    });

    [Fact(Timeout = 120_000)]
    public Task A_spec_naming_an_unknown_hash_or_a_path_is_refused_and_creates_nothing() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var before = (await Cluster.ListSweepsAsync(ct)).Select(s => s.Id).Order().ToList();
        var unknown = Sha(Encoding.UTF8.GetBytes("never uploaded " + Guid.NewGuid()));
        foreach (var (content, message) in new[]
                 {
                     ($"'sha256:{unknown}'", $"sha256:{unknown} is not in the coordinator's store"),
                     ("/etc/hostname", "is a file path"),
                     ("'sha256:xyz'", "64 lower-case hex digits"),
                 })
        {
            using var response = await Cluster.PostSpecAsync(Spec("bad-inputs", content, "builtin:swirls"), ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
            var error = JsonSerializer.Deserialize<ApiError>(body, ApiJson.Options)!;
            var detail = Assert.Single(error.Details!);
            Assert.Equal("parameters.content.value", detail.Field);
            Assert.Contains(message, detail.Message, StringComparison.Ordinal);
            Assert.Equal(8, detail.Line);
        }
        Assert.Equal(before, (await Cluster.ListSweepsAsync(ct)).Select(s => s.Id).Order().ToList());
    });
}
