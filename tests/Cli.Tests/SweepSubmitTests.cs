using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli.Tests;

public sealed class SweepSubmitTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pbm-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteSpec(string yaml, string name = "sweep.yaml")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string InvalidSpec = """
        name: bad
        job: synthetic
        method: grid
        metric: {name: loss, goal: upward}
        parameters:
          x: {values: [0.1, 0.3]}
          lr: {min: -1}
        """;

    [Fact]
    public async Task Invalid_spec_prints_every_error_with_its_line_and_exits_2_without_contacting_the_server()
    {
        var file = WriteSpec(InvalidSpec);
        using var server = new CannedServer(_ => new(500, "{}"));

        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--server", server.Url);

        Assert.Equal(2, run.Code);
        Assert.Equal("", run.Out);
        Assert.Empty(server.Requests);
        Assert.Contains(run.ErrLines, l => l.StartsWith($"{file}:line 4: metric.goal: ", StringComparison.Ordinal) && l.Contains("'upward'"));
        Assert.Contains(run.ErrLines, l => l.StartsWith($"{file}:line 7: parameters.lr: ", StringComparison.Ordinal));
        Assert.StartsWith($"pbm: {file} has 2 problems", run.ErrLines[^1]);
    }

    [Fact]
    public async Task Invalid_spec_is_a_spec_error_even_when_the_server_is_down()
    {
        var file = WriteSpec(InvalidSpec);
        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--server", $"127.0.0.1:{PbmRunner.ClosedPort()}", "--wait");

        Assert.Equal(2, run.Code);
        Assert.Contains($"{file}:line 4: metric.goal", run.Err);
        Assert.DoesNotContain("cannot reach", run.Err);
    }

    [Fact]
    public async Task Malformed_yaml_is_reported_with_its_line()
    {
        var file = WriteSpec("name: x\njob: [synthetic\nmethod: grid\n");
        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--server", $"127.0.0.1:{PbmRunner.ClosedPort()}");
        Assert.Equal(2, run.Code);
        Assert.Matches(@"sweep\.yaml:line \d+: ", run.ErrLines[0]);
    }

    [Fact]
    public async Task Missing_file_exits_2_with_its_path()
    {
        var missing = Path.Combine(_directory, "nope", "missing.yaml");
        var run = await PbmRunner.RunAsync("sweep", "submit", missing, "--server", $"127.0.0.1:{PbmRunner.ClosedPort()}");

        Assert.Equal(2, run.Code);
        var line = Assert.Single(run.ErrLines);
        Assert.StartsWith($"pbm: no such file: {missing}", line);
    }

    [Fact]
    public async Task A_directory_is_not_a_spec_file()
    {
        var run = await PbmRunner.RunAsync("sweep", "submit", _directory);
        Assert.Equal(2, run.Code);
        Assert.Contains("is a directory", run.Err);
    }

    [Fact]
    public async Task Server_down_exits_1_with_one_line_that_says_what_to_do()
    {
        var file = WriteSpec(Samples.ValidSpec);
        var port = PbmRunner.ClosedPort();

        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--server", $"127.0.0.1:{port}");

        Assert.Equal(1, run.Code);
        Assert.Equal("", run.Out);
        var line = Assert.Single(run.ErrLines);
        Assert.Equal(
            $"pbm: cannot reach the coordinator at http://127.0.0.1:{port} (connection refused): is it running? start it with dotnet run --project src/Coordinator, or pass --server",
            line);
    }

    [Fact]
    public async Task Submit_posts_the_yaml_and_prints_the_id()
    {
        var file = WriteSpec(Samples.ValidSpec);
        using var server = new CannedServer(_ => new(201, Samples.Json(new SubmitSweepResponse("synthetic-grid-20260102-abc123", "synthetic-grid", 2))));

        var run = await PbmRunner.RunAsync(server.Url.Replace("http://", ""), "sweep", "submit", file);

        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Equal("submitted sweep synthetic-grid-20260102-abc123 (2 trials)\n", run.Out);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/sweeps", request.PathAndQuery);
        Assert.StartsWith("application/yaml", request.ContentType);
        Assert.Equal(Samples.ValidSpec, request.Body);
    }

    [Fact]
    public async Task Submit_json_prints_only_the_servers_json()
    {
        var file = WriteSpec(Samples.ValidSpec);
        var answer = new SubmitSweepResponse("synthetic-grid-20260102-abc123", "synthetic-grid", 2);
        using var server = new CannedServer(_ => new(201, Samples.Json(answer)));

        var run = await PbmRunner.RunAsync("--json", "sweep", "submit", file, "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal(answer, JsonSerializer.Deserialize<SubmitSweepResponse>(run.Out, ApiJson.Options));
    }

    [Fact]
    public async Task Server_rejection_prints_the_message_and_each_detail_and_exits_1()
    {
        var file = WriteSpec(Samples.ValidSpec);
        using var server = new CannedServer(_ => new(400, Samples.ApiErrorJson(
            "the sweep spec is invalid (2 problems): line 2: job: 'synthetic' is not enabled on this coordinator",
            new ApiErrorDetail("job", "'synthetic' is not enabled on this coordinator", 2),
            new ApiErrorDetail("inputs", "the style image is missing", null))));

        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--server", server.Url);

        Assert.Equal(1, run.Code);
        Assert.Equal("", run.Out);
        Assert.Equal(
            [
                "pbm: the sweep spec is invalid (2 problems): line 2: job: 'synthetic' is not enabled on this coordinator",
                $"{file}:line 2: job: 'synthetic' is not enabled on this coordinator",
                $"{file}: inputs: the style image is missing",
            ],
            run.ErrLines);
    }

    [Theory]
    [InlineData(409, "a sweep named synthetic-grid already exists")]
    [InlineData(503, "the cluster did not answer within 10 s: it may still be forming; retry shortly")]
    public async Task Other_api_errors_print_their_message(int status, string message)
    {
        var file = WriteSpec(Samples.ValidSpec);
        using var server = new CannedServer(_ => new(status, Samples.ApiErrorJson(message)));
        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--server", server.Url);
        Assert.Equal(1, run.Code);
        Assert.Equal($"pbm: {message}", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task A_non_json_error_page_is_described_not_dumped()
    {
        var file = WriteSpec(Samples.ValidSpec);
        using var server = new CannedServer(_ => new(502, "<html><body>Bad gateway</body></html>", "text/html"));
        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--server", server.Url);
        Assert.Equal(1, run.Code);
        Assert.Equal($"pbm: the server at {server.Url} answered 502 Bad Gateway with a web page, not the coordinator's JSON: is --server the Atelier coordinator's API (default port 9110)?",
            Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task Wait_follows_the_event_stream_until_the_sweep_ends_then_prints_the_results()
    {
        var file = WriteSpec(Samples.ValidSpec);
        var running = Samples.Sweep(SweepStatus.Running);
        var done = Samples.Sweep();
        using var server = new CannedServer(request => request.Method == "POST"
            ? new(201, Samples.Json(new SubmitSweepResponse(done.Id, done.Name, 4)))
            : Events(running, done));

        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--wait", "--server", server.Url);

        Assert.Equal(0, run.Code); // a failed trial is not a failure of pbm
        Assert.Equal("", run.Err);
        // One stream, no polling of the whole sweep.
        Assert.Equal([$"POST /api/sweeps", $"GET /api/sweeps/{done.Id}/events"], server.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        var lines = run.Out.Split('\n');
        Assert.Equal($"submitted sweep {done.Id} (4 trials)", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("status:", StringComparison.Ordinal) && l.Contains("completed"));
        Assert.Contains(lines, l => l.TrimStart().StartsWith("#  STATUS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wait_reconnects_when_the_stream_drops_before_the_end()
    {
        var file = WriteSpec(Samples.ValidSpec);
        var running = Samples.Sweep(SweepStatus.Running);
        var done = Samples.Sweep();
        var streams = 0;
        using var server = new CannedServer(request => request.Method == "POST"
            ? new(201, Samples.Json(new SubmitSweepResponse(done.Id, done.Name, 4)))
            : Interlocked.Increment(ref streams) == 1 ? Events(running) : Events(done));

        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--wait", "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal(2, streams);
        Assert.Contains("reconnecting", run.Err);
        Assert.Contains("completed", run.Out);
    }

    [Fact]
    public async Task Wait_shows_progress_on_a_terminal_stderr_and_clears_it()
    {
        var file = WriteSpec(Samples.ValidSpec);
        var running = Samples.Sweep(SweepStatus.Running);
        var done = Samples.Sweep();
        using var server = new CannedServer(request => request.Method == "POST"
            ? new(201, Samples.Json(new SubmitSweepResponse(done.Id, done.Name, 4)))
            : Events(running, done));

        var run = await PbmRunner.RunAsync(PbmRunner.Host() with { ProgressOnStderr = true }, "sweep", "submit", file, "--wait", "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Contains("waiting: 4 total: 2 completed, 1 running, 1 failed", run.Err);
        Assert.EndsWith("\r\u001b[K", run.Err);
        Assert.DoesNotContain("waiting", run.Out);
    }

    /// <summary>A server-sent event stream with one <c>sweep</c> event per DTO, as the coordinator sends it.</summary>
    private static CannedServer.Response Events(params SweepDto[] sweeps) =>
        new(200, string.Concat(sweeps.Select(d => $"event: sweep\ndata: {Samples.Json(d)}\n\n")), "text/event-stream");

    [Fact]
    public async Task Wait_with_json_prints_only_the_final_sweep()
    {
        var file = WriteSpec(Samples.ValidSpec);
        var done = Samples.Sweep();
        using var server = new CannedServer(request => request.Method == "POST"
            ? new(201, Samples.Json(new SubmitSweepResponse(done.Id, done.Name, 4)))
            : new(200, Samples.Json(done)));

        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--wait", "--json", "--server", server.Url);

        Assert.Equal(0, run.Code);
        var parsed = JsonSerializer.Deserialize<SweepDto>(run.Out, ApiJson.Options)!;
        Assert.Equal(done.Id, parsed.Id);
        Assert.Equal(SweepStatus.Completed, parsed.Status);
        Assert.Equal(done.Trials.Count, parsed.Trials.Count);
    }

    [Fact]
    public async Task Wait_reports_a_sweep_that_disappears()
    {
        var file = WriteSpec(Samples.ValidSpec);
        using var server = new CannedServer(request => request.Method == "POST"
            ? new(201, Samples.Json(new SubmitSweepResponse("x-20260102-abc123", "x", 4)))
            : new(404, Samples.ApiErrorJson("no sweep with id 'x-20260102-abc123' (see `pbm sweep list`)")));

        var run = await PbmRunner.RunAsync("sweep", "submit", file, "--wait", "--server", server.Url);

        Assert.Equal(1, run.Code);
        Assert.Equal("pbm: while waiting for sweep x-20260102-abc123: no sweep with id 'x-20260102-abc123' (see `pbm sweep list`)",
            Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task Ctrl_c_while_waiting_stops_waiting_with_130()
    {
        var file = WriteSpec(Samples.ValidSpec);
        var running = Samples.Sweep(SweepStatus.Running);
        using var server = new CannedServer(request => request.Method == "POST"
            ? new(201, Samples.Json(new SubmitSweepResponse(running.Id, running.Name, 4)))
            : new(200, Samples.Json(running)));
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await Pbm.RunAsync(["sweep", "submit", file, "--wait", "--server", server.Url], stdout, stderr, PbmRunner.Host(), interrupt.Token);

        Assert.Equal(130, code);
        Assert.Contains($"sweep {running.Id} keeps running", stderr.ToString());
    }
}
