using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli.Tests;

/// <summary><c>pbm sweep submit</c> with input files and <c>--dry-run</c>, and <c>pbm sweep artifacts</c>, against a canned server.</summary>
public sealed class SweepInputsAndArtifactsTests : IDisposable
{
    private const string Id = "style-20260102-abc123";
    private readonly string _directory = Directory.CreateTempSubdirectory("pbm-inputs-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_directory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static string StyleSpec(string content, string style) => $"""
        name: style
        job: style-transfer
        method: grid
        metric: {"{"}name: total_loss, goal: minimize{"}"}
        parameters:
          content: {"{"}value: {content}{"}"}   # a photo
          style: {"{"}values: [{style}, builtin:swirls]{"}"}
          style_weight: {"{"}values: [1.0e5, 1.0e6, 1.0e7]{"}"}
          iterations: {"{"}value: 2{"}"}
        """;

    [Fact]
    public async Task Submit_uploads_each_named_file_once_and_sends_the_spec_with_hashes_only()
    {
        Write("images/photo.png", "photo bytes");
        Write("painting.jpg", "painting bytes");
        var spec = Write("style.yaml", StyleSpec("images/photo.png", "painting.jpg"));
        using var server = new CannedServer(r => r.PathAndQuery.StartsWith("/api/inputs", StringComparison.Ordinal)
            ? new(201, Samples.Json(new InputDto("x", Sha(r.Body), "sha256:" + Sha(r.Body), r.Body.Length, false)))
            : new(201, Samples.Json(new SubmitSweepResponse(Id, "style", 6))));

        var run = await PbmRunner.RunAsync("sweep", "submit", spec, "--server", server.Url);

        Assert.True(run.Code == 0, run.Err);
        var requests = server.Requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.Equal($"/api/inputs?name=photo.png&sha256={Sha("photo bytes")}", requests[0].PathAndQuery);
        Assert.Equal("photo bytes", requests[0].Body);
        Assert.Equal($"/api/inputs?name=painting.jpg&sha256={Sha("painting bytes")}", requests[1].PathAndQuery);
        var sent = requests[2].Body;
        Assert.Equal("/api/sweeps", requests[2].PathAndQuery);
        Assert.Contains($"content: {{value: 'sha256:{Sha("photo bytes")}'}}   # a photo", sent);
        Assert.Contains($"style: {{values: ['sha256:{Sha("painting bytes")}', builtin:swirls]}}", sent);
        Assert.DoesNotContain("photo.png", sent);
        Assert.DoesNotContain(_directory, sent);
        Assert.Contains($"input images/photo.png (11 bytes): uploaded as sha256:{Sha("photo bytes")}", run.Out);
        Assert.EndsWith($"submitted sweep {Id} (6 trials)\n", run.Out);
    }

    [Fact]
    public async Task A_missing_input_file_is_a_usage_error_naming_the_field_and_nothing_is_sent()
    {
        var spec = Write("style.yaml", StyleSpec("images/nope.png", "builtin:landscape"));
        using var server = new CannedServer(_ => new(500, "{}"));

        var run = await PbmRunner.RunAsync("sweep", "submit", spec, "--server", server.Url);

        Assert.Equal(2, run.Code);
        Assert.Empty(server.Requests);
        Assert.Contains(run.ErrLines, l => l.StartsWith($"{spec}:line 6: parameters.content.value: no such file: images/nope.png", StringComparison.Ordinal));
        Assert.Contains("nothing was sent", run.ErrLines[^1]);
    }

    [Fact]
    public async Task An_upload_the_coordinator_refuses_stops_the_submission_with_its_message()
    {
        Write("photo.png", "photo bytes");
        var spec = Write("style.yaml", StyleSpec("photo.png", "builtin:landscape"));
        using var server = new CannedServer(_ => new(413, Samples.ApiErrorJson("input photo.png is 11 bytes; the limit is 10 bytes")));

        var run = await PbmRunner.RunAsync("sweep", "submit", spec, "--server", server.Url);

        Assert.Equal(1, run.Code);
        Assert.Single(server.Requests); // the sweep itself was not posted
        Assert.Equal("pbm: uploading photo.png: input photo.png is 11 bytes; the limit is 10 bytes (the sweep was not submitted)", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task Dry_run_prints_the_count_inputs_and_first_trials_and_sends_nothing()
    {
        Write("photo.png", "photo bytes");
        var spec = Write("style.yaml", StyleSpec("photo.png", "builtin:landscape"));
        using var server = new CannedServer(_ => new(500, "{}"));

        var run = await PbmRunner.RunAsync("sweep", "submit", spec, "--dry-run", "--server", server.Url);

        Assert.True(run.Code == 0, run.Err);
        Assert.Empty(server.Requests);
        Assert.Contains("method grid: 6 trials", run.Out);
        Assert.Contains($"parameters.content.value: photo.png (11 bytes, sha256:{Sha("photo bytes")})", run.Out);
        var rows = run.Out.Split('\n').Where(l => l.TrimStart().StartsWith("0 ", StringComparison.Ordinal) || l.TrimStart().StartsWith("5 ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains("builtin:landscape", rows[0]);
        Assert.Contains("builtin:swirls", rows[1]); // style varies before style_weight's last value
        Assert.Contains("nothing was uploaded or submitted", run.Out);

        var json = await PbmRunner.RunAsync("sweep", "submit", spec, "--dry-run", "--json", "--server", server.Url);
        Assert.True(json.Code == 0, json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(6, doc.RootElement.GetProperty("trials").GetInt64());
        Assert.Equal(6, doc.RootElement.GetProperty("firstTrials").GetArrayLength());
        Assert.Equal(Sha("photo bytes"), doc.RootElement.GetProperty("inputs")[0].GetProperty("sha256").GetString());
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task The_style_files_example_names_files_that_exist_and_dry_runs()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Cluster.sln"))) root = root.Parent!;
        var spec = Path.Combine(root.FullName, "examples", "style-files.yaml");
        using var server = new CannedServer(_ => new(500, "{}"));

        var run = await PbmRunner.RunAsync("sweep", "submit", spec, "--dry-run", "--json", "--server", server.Url);

        Assert.True(run.Code == 0, run.Err);
        Assert.Empty(server.Requests);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(3, doc.RootElement.GetProperty("trials").GetInt64());
        var inputs = doc.RootElement.GetProperty("inputs").EnumerateArray().ToList();
        Assert.Equal(["images/landscape.png", "images/swirls.png"], inputs.Select(i => i.GetProperty("path").GetString()));
        foreach (var input in inputs)
        {
            var bytes = File.ReadAllBytes(Path.Combine(root.FullName, "examples", input.GetProperty("path").GetString()!));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), input.GetProperty("sha256").GetString());
        }
    }

    [Theory]
    [InlineData(new[] { "sweep", "list", "--dry-run" }, "--dry-run is only for pbm sweep submit")]
    [InlineData(new[] { "sweep", "submit", "x.yaml", "--dry-run", "--wait" }, "do not go together")]
    [InlineData(new[] { "sweep", "show", Id, "--out", "dir" }, "--out is only for pbm sweep artifacts")]
    [InlineData(new[] { "sweep", "artifacts" }, "missing the sweep ID and TRIAL")]
    [InlineData(new[] { "sweep", "artifacts", Id }, "missing the TRIAL number")]
    [InlineData(new[] { "sweep", "artifacts", Id, "1", "2" }, "unexpected argument '2'")]
    [InlineData(new[] { "sweep", "artifacts", Id, "1", "--out" }, "option --out needs a directory")]
    [InlineData(new[] { "sweep", "artifacts", Id, "one" }, "'one' is not a trial number")]
    [InlineData(new[] { "sweep", "artifacts", "Not_An_Id", "1" }, "not a sweep id")]
    public async Task Bad_arguments_are_usage_errors(string[] args, string message)
    {
        using var server = new CannedServer(_ => new(500, "{}"));
        var run = await PbmRunner.RunAsync([.. args, "--server", server.Url]);
        Assert.Equal(2, run.Code);
        Assert.Contains(message, run.Err);
        Assert.Empty(server.Requests);
    }

    private static List<ArtifactDto> Artifacts() =>
    [
        new("result.png", "result", 6, Sha("result"), 2),
        new("previews/step-0001.png", "preview", 7, Sha("preview"), 1),
        new("checkpoint.safetensors", "checkpoint", 5, Sha("ckpt1"), 1),
        new("checkpoint.safetensors", "checkpoint", 5, Sha("ckpt2"), 2),
    ];

    private static CannedServer.Response Answer(CannedServer.Request r, List<ArtifactDto> artifacts, Func<string, string>? tamper = null)
    {
        var prefix = $"/api/sweeps/{Id}/trials/3/artifacts";
        if (r.PathAndQuery == prefix) return new(200, Samples.Json(new TrialArtifactsDto(Id, 3, artifacts)));
        var sha = r.PathAndQuery[(r.PathAndQuery.IndexOf("sha256=", StringComparison.Ordinal) + 7)..];
        var body = new[] { "result", "preview", "ckpt1", "ckpt2" }.First(t => Sha(t) == sha);
        return new(200, tamper?.Invoke(body) ?? body, "application/octet-stream");
    }

    [Fact]
    public async Task Artifacts_lists_name_kind_size_step_and_hash()
    {
        using var server = new CannedServer(r => Answer(r, Artifacts()));
        var run = await PbmRunner.RunAsync("sweep", "artifacts", Id, "3", "--server", server.Url);

        Assert.True(run.Code == 0, run.Err);
        var lines = run.Out.Split('\n');
        Assert.Equal(["NAME", "KIND", "SIZE", "STEP", "SHA256"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["previews/step-0001.png", "preview", "7", "bytes", "1", var h] && h == Sha("preview"));
        Assert.Contains("4 artifacts", run.Out);

        var json = await PbmRunner.RunAsync("sweep", "artifacts", Id, "3", "--json", "--server", server.Url);
        Assert.Equal(Artifacts(), JsonSerializer.Deserialize<TrialArtifactsDto>(json.Out, ApiJson.Options)!.Artifacts);
    }

    [Fact]
    public async Task Artifacts_out_downloads_every_file_checked_by_hash_older_checkpoints_under_their_step()
    {
        using var server = new CannedServer(r => Answer(r, Artifacts()));
        var dir = Path.Combine(_directory, "trial-3");
        var run = await PbmRunner.RunAsync("sweep", "artifacts", Id, "3", "--out", dir, "--server", server.Url);

        Assert.True(run.Code == 0, run.Err);
        Assert.Equal("result", File.ReadAllText(Path.Combine(dir, "result.png")));
        Assert.Equal("preview", File.ReadAllText(Path.Combine(dir, "previews", "step-0001.png")));
        Assert.Equal("ckpt2", File.ReadAllText(Path.Combine(dir, "checkpoint.safetensors")));
        Assert.Equal("ckpt1", File.ReadAllText(Path.Combine(dir, "checkpoint.step-1.safetensors")));
        Assert.Equal(4, Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Length);
        Assert.Contains("downloaded 4 files", run.Out);
    }

    [Fact]
    public async Task Artifacts_out_refuses_a_damaged_download_and_writes_nothing_for_it()
    {
        using var server = new CannedServer(r => Answer(r, Artifacts(), tamper: body => body == "result" ? "RESULT" : body));
        var dir = Path.Combine(_directory, "damaged");
        var run = await PbmRunner.RunAsync("sweep", "artifacts", Id, "3", "--out", dir, "--server", server.Url);

        Assert.Equal(1, run.Code);
        Assert.Contains("result.png arrived damaged", run.Err);
        Assert.False(File.Exists(Path.Combine(dir, "result.png")));
        Assert.Empty(Directory.GetFiles(dir, "*.part", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("../escape.png")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../escape.png")]
    public async Task Artifacts_out_refuses_names_that_would_leave_the_directory_before_writing_anything(string name)
    {
        var artifacts = Artifacts();
        artifacts.Add(new ArtifactDto(name, "result", 6, Sha("result"), 2));
        using var server = new CannedServer(r => Answer(r, artifacts));
        var dir = Path.Combine(_directory, "evil", "out");
        var run = await PbmRunner.RunAsync("sweep", "artifacts", Id, "3", "--out", dir, "--server", server.Url);

        Assert.Equal(1, run.Code);
        Assert.Contains($"refusing artifact name '{name}'", run.Err);
        Assert.Single(server.Requests); // the listing only
        Assert.False(Directory.Exists(dir));
        Assert.False(File.Exists(Path.Combine(_directory, "evil", "escape.png")));
    }

    [Fact]
    public async Task Artifacts_of_an_unknown_trial_exit_1_with_the_servers_message()
    {
        using var server = new CannedServer(_ => new(404, Samples.ApiErrorJson($"sweep {Id} has no trial 9: its trials are 0 to 5")));
        var run = await PbmRunner.RunAsync("sweep", "artifacts", Id, "9", "--server", server.Url);
        Assert.Equal(1, run.Code);
        Assert.Equal($"pbm: sweep {Id} has no trial 9: its trials are 0 to 5", Assert.Single(run.ErrLines));
    }
}
