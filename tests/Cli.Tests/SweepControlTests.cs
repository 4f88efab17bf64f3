using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli.Tests;

/// <summary><c>pbm sweep pause</c>, <c>resume</c> and <c>extend</c> against a canned server.</summary>
public sealed class SweepControlTests : IDisposable
{
    private const string Id = "synthetic-grid-20260102-abc123";

    private readonly string _directory = Directory.CreateTempSubdirectory("pbm-control-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    // The sample sweep (4 trials) with two more pending: what the coordinator answers after an extension.
    private static SweepDto Extended()
    {
        var sweep = Samples.Sweep(SweepStatus.Running);
        return sweep with
        {
            Counts = sweep.Counts with { Total = 6, Pending = 2 },
            Trials = [.. sweep.Trials, Samples.Trial(11, TrialStatus.Pending, 0.5, 5, null), Samples.Trial(12, TrialStatus.Pending, 0.7, 5, null)],
        };
    }

    private const string WiderSpec = """
        name: synthetic-grid
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        parameters:
          x: {values: [0.1, 0.3, 0.5, 0.7]}
          lr: {value: 0.01}
        """;

    private static string Requests(CannedServer server) => string.Join(", ", server.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));

    [Theory]
    [InlineData(new[] { "sweep", "pause" }, "missing the sweep ID to pause")]
    [InlineData(new[] { "sweep", "resume" }, "missing the sweep ID to resume")]
    [InlineData(new[] { "sweep", "extend" }, "missing the sweep ID and the spec FILE")]
    [InlineData(new[] { "sweep", "extend", Id }, "missing the spec FILE to extend the sweep with")]
    [InlineData(new[] { "sweep", "extend", Id, "a.yaml", "b.yaml" }, "unexpected argument 'b.yaml'")]
    [InlineData(new[] { "sweep", "pause", Id, "other" }, "unexpected argument 'other'")]
    [InlineData(new[] { "sweep", "pause", "Not_An_Id" }, "not a sweep id")]
    [InlineData(new[] { "sweep", "extend", "Not_An_Id", "a.yaml" }, "not a sweep id")]
    [InlineData(new[] { "sweep", "pause", Id, "--dry-run" }, "--dry-run is only for pbm sweep submit and pbm sweep extend")]
    [InlineData(new[] { "sweep", "extend", Id, "a.yaml", "--wait" }, "--wait is only for pbm sweep submit")]
    public async Task Bad_arguments_are_usage_errors_and_send_nothing(string[] args, string message)
    {
        using var server = new CannedServer(_ => new(500, "{}"));
        var run = await PbmRunner.RunAsync([.. args, "--server", server.Url]);
        Assert.Equal(2, run.Code);
        Assert.Equal("", run.Out);
        Assert.Contains(message, Assert.Single(run.ErrLines));
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Pause_posts_and_prints_the_coordinators_answer()
    {
        var paused = Samples.Sweep(SweepStatus.Paused) with { Counts = new TrialCountsDto(4, 1, 1, 2, 0) };
        using var server = new CannedServer(_ => new(200, Samples.Json(paused)));

        var run = await PbmRunner.RunAsync("sweep", "pause", Id, "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Equal($"sweep {Id} paused: running trials finish, no new ones start (4 total: 2 completed, 1 running, 1 pending)\n", run.Out);
        Assert.Equal($"POST /api/sweeps/{Id}/pause", Requests(server));
    }

    [Fact]
    public async Task Resume_posts_and_prints_the_coordinators_answer()
    {
        using var server = new CannedServer(_ => new(200, Samples.Json(Samples.Sweep(SweepStatus.Running))));

        var run = await PbmRunner.RunAsync("sweep", "resume", Id, "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Equal($"sweep {Id} resumed (4 total: 2 completed, 1 running, 1 failed)\n", run.Out);
        Assert.Equal($"POST /api/sweeps/{Id}/resume", Requests(server));
    }

    [Theory]
    [InlineData("pause", 409, $"sweep {Id} is already paused")]
    [InlineData("pause", 409, $"sweep {Id} has already ended")]
    [InlineData("resume", 409, $"sweep {Id} is not paused")]
    [InlineData("resume", 404, $"no sweep with id '{Id}' (see `pbm sweep list`)")]
    public async Task A_refusal_prints_the_coordinators_message_and_exits_1(string command, int status, string message)
    {
        using var server = new CannedServer(_ => new(status, Samples.ApiErrorJson(message)));

        var run = await PbmRunner.RunAsync("sweep", command, Id, "--server", server.Url);

        Assert.Equal(1, run.Code);
        Assert.Equal("", run.Out);
        Assert.Equal($"pbm: {message}", Assert.Single(run.ErrLines));
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    public async Task Json_prints_the_coordinators_json_only(string command)
    {
        var sweep = Samples.Sweep(command == "pause" ? SweepStatus.Paused : SweepStatus.Running);
        var json = Samples.Json(sweep);
        using var server = new CannedServer(_ => new(200, json));

        var run = await PbmRunner.RunAsync("sweep", command, Id, "--json", "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal(json + "\n", run.Out);
    }

    [Fact]
    public async Task Extend_reads_the_sweep_posts_the_spec_and_prints_how_many_trials_it_added()
    {
        var file = Write("wider.yaml", WiderSpec);
        using var server = new CannedServer(r => r.Method == "GET"
            ? new(200, Samples.Json(Samples.Sweep()))
            : new(200, Samples.Json(Extended())));

        var run = await PbmRunner.RunAsync("sweep", "extend", Id, file, "--server", server.Url);

        Assert.True(run.Code == 0, run.Err);
        Assert.Equal("", run.Err);
        Assert.Equal($"sweep {Id} extended with 2 trials (6 total: 2 completed, 1 running, 2 pending, 1 failed)\n", run.Out);
        Assert.Equal($"GET /api/sweeps/{Id}, POST /api/sweeps/{Id}/extend", Requests(server));
        var post = server.Requests.Last();
        Assert.StartsWith("application/yaml", post.ContentType);
        Assert.Equal(WiderSpec, post.Body);
    }

    [Fact]
    public async Task Extend_json_prints_the_extended_sweep_only()
    {
        var file = Write("wider.yaml", WiderSpec);
        var json = Samples.Json(Extended());
        using var server = new CannedServer(r => r.Method == "GET" ? new(200, Samples.Json(Samples.Sweep())) : new(200, json));

        var run = await PbmRunner.RunAsync("sweep", "extend", Id, file, "--json", "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal(json + "\n", run.Out);
        Assert.Equal(6, JsonSerializer.Deserialize<SweepDto>(run.Out, ApiJson.Options)!.Counts.Total);
    }

    [Theory]
    [InlineData($"cannot extend sweep {Id}: its job is synthetic, not cifar-vgg19")]
    [InlineData($"cannot extend sweep {Id}: its method is grid, not random")]
    [InlineData($"cannot extend sweep {Id}: its metric is loss (minimize); results would not compare")]
    [InlineData($"cannot extend sweep {Id}: the spec is the same and adds no trial")]
    [InlineData($"cannot extend sweep {Id}: it would have 10004 trials; the limit is 10000")]
    public async Task An_extension_the_coordinator_refuses_prints_its_message_and_exits_1(string message)
    {
        var file = Write("wider.yaml", WiderSpec);
        using var server = new CannedServer(r => r.Method == "GET"
            ? new(200, Samples.Json(Samples.Sweep()))
            : new(409, Samples.ApiErrorJson(message)));

        var run = await PbmRunner.RunAsync("sweep", "extend", Id, file, "--server", server.Url);

        Assert.Equal(1, run.Code);
        Assert.Equal("", run.Out);
        Assert.Equal($"pbm: {message}", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task Extending_an_unknown_sweep_stops_before_uploading_anything()
    {
        Write("photo.png", "photo bytes");
        var file = Write("style.yaml", StyleSpec);
        using var server = new CannedServer(_ => new(404, Samples.ApiErrorJson($"no sweep with id '{Id}' (see `pbm sweep list`)")));

        var run = await PbmRunner.RunAsync("sweep", "extend", Id, file, "--server", server.Url);

        Assert.Equal(1, run.Code);
        Assert.Equal($"pbm: no sweep with id '{Id}' (see `pbm sweep list`)", Assert.Single(run.ErrLines));
        Assert.Equal($"GET /api/sweeps/{Id}", Requests(server));
    }

    [Fact]
    public async Task An_invalid_spec_is_reported_with_its_lines_as_submit_does_and_nothing_is_sent()
    {
        var file = Write("bad.yaml", """
            name: bad
            job: synthetic
            method: grid
            metric: {name: loss, goal: upward}
            parameters:
              x: {values: [0.1, 0.3]}
              lr: {min: -1}
            """);
        using var server = new CannedServer(_ => new(500, "{}"));

        var extend = await PbmRunner.RunAsync("sweep", "extend", Id, file, "--server", server.Url);
        var submit = await PbmRunner.RunAsync("sweep", "submit", file, "--server", server.Url);

        Assert.Equal(2, extend.Code);
        Assert.Equal("", extend.Out);
        Assert.Empty(server.Requests);
        Assert.Contains(extend.ErrLines, l => l.StartsWith($"{file}:line 4: metric.goal: ", StringComparison.Ordinal));
        Assert.Contains(extend.ErrLines, l => l.StartsWith($"{file}:line 7: parameters.lr: ", StringComparison.Ordinal));
        Assert.Equal($"pbm: {file} has 2 problems: fix them and extend again (nothing was sent)", extend.ErrLines[^1]);
        // The same lines as submit's, but for the advice at the end.
        Assert.Equal(submit.ErrLines[..^1], extend.ErrLines[..^1]);
    }

    [Fact]
    public async Task A_missing_spec_file_or_input_file_is_a_usage_error_and_nothing_is_sent()
    {
        using var server = new CannedServer(_ => new(500, "{}"));
        var missing = Path.Combine(_directory, "missing.yaml");
        var run = await PbmRunner.RunAsync("sweep", "extend", Id, missing, "--server", server.Url);
        Assert.Equal(2, run.Code);
        Assert.StartsWith($"pbm: no such file: {missing}", Assert.Single(run.ErrLines));

        var file = Write("style.yaml", StyleSpec); // photo.png does not exist
        run = await PbmRunner.RunAsync("sweep", "extend", Id, file, "--server", server.Url);
        Assert.Equal(2, run.Code);
        Assert.Contains("no such file: photo.png", run.Err);
        Assert.Equal($"pbm: {file} names 1 input pbm cannot upload: fix it and extend again (nothing was sent)", run.ErrLines[^1]);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Extend_uploads_input_files_as_submit_does_and_sends_their_hashes()
    {
        Write("photo.png", "photo bytes");
        var file = Write("style.yaml", StyleSpec);
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("photo bytes")));
        using var server = new CannedServer(r => r switch
        {
            { Method: "GET" } => new(200, Samples.Json(Samples.Sweep())),
            { PathAndQuery: var p } when p.StartsWith("/api/inputs", StringComparison.Ordinal) =>
                new(201, Samples.Json(new InputDto("photo.png", sha, "sha256:" + sha, 11, false))),
            _ => new(200, Samples.Json(Extended())),
        });

        var run = await PbmRunner.RunAsync("sweep", "extend", Id, file, "--server", server.Url);

        Assert.True(run.Code == 0, run.Err);
        Assert.Equal(
            [$"GET /api/sweeps/{Id}", $"POST /api/inputs?name=photo.png&sha256={sha}", $"POST /api/sweeps/{Id}/extend"],
            server.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        Assert.Equal($"input photo.png (11 bytes): uploaded as sha256:{sha}", run.Out.Split('\n')[0]);
        var sent = server.Requests.Last().Body;
        Assert.Contains($"sha256:{sha}", sent);
        Assert.DoesNotContain("photo.png", sent);
    }

    [Fact]
    public async Task Dry_run_validates_and_says_what_would_be_sent_without_sending_anything()
    {
        Write("photo.png", "photo bytes");
        var file = Write("style.yaml", StyleSpec);
        using var server = new CannedServer(_ => new(500, "{}"));

        var run = await PbmRunner.RunAsync("sweep", "extend", Id, file, "--dry-run", "--server", server.Url);

        Assert.True(run.Code == 0, run.Err);
        Assert.Equal("", run.Err);
        Assert.StartsWith($"would extend sweep {Id} with this spec:\n{file}: sweep style, job style-transfer, method grid: 2 trials\n", run.Out);
        Assert.Contains("parameters.content.value: photo.png (11 bytes, sha256:", run.Out);
        Assert.Contains($"the coordinator adds only the configurations below that sweep {Id} has not run", run.Out);
        Assert.EndsWith("dry run: nothing was uploaded or sent\n", run.Out);

        var json = await PbmRunner.RunAsync("sweep", "extend", Id, file, "--dry-run", "--json", "--server", server.Url);
        Assert.True(json.Code == 0, json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(Id, doc.RootElement.GetProperty("extends").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("trials").GetInt64());
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Help_documents_the_three_commands()
    {
        var palette = await PbmRunner.RunAsync("sweep", "--help");
        foreach (var text in new[] { "pause ID", "resume ID", "extend ID FILE" })
            Assert.Contains(text, palette.Out);

        var extend = await PbmRunner.RunAsync("help", "sweep", "extend");
        Assert.Equal(0, extend.Code);
        Assert.StartsWith("pbm sweep extend:", extend.Out);
        Assert.Contains("--dry-run", extend.Out);
        Assert.Contains("same job", (await PbmRunner.RunAsync("--help")).Out);
    }

    private const string StyleSpec = """
        name: style
        job: style-transfer
        method: grid
        metric: {name: total_loss, goal: minimize}
        parameters:
          content: {value: photo.png}
          style: {values: [builtin:landscape, builtin:swirls]}
          iterations: {value: 2}
        """;
}
