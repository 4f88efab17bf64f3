using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli.Tests;

public class WorkerCommandTests
{
    private static string Render(IReadOnlyList<WorkerDto> workers)
    {
        var writer = new StringWriter { NewLine = "\n" };
        WorkerListCommand.Write(workers, writer, new Styler(false));
        return writer.ToString();
    }

    [Fact]
    public void Slot_table_has_a_row_per_slot_and_a_line_per_draining_node()
    {
        Assert.Equal(
            """
            NODE                               SLOT    DEVICE  STATE            SWEEP                                    TRIAL  STEP  UTIL
            akka.tcp://atelier@10.0.0.6:4053   slot-0  cuda:0  busy             synthetic-grid-20260102-abc123               3  1200   73%
            akka.tcp://atelier@10.0.0.6:4053   slot-1  cuda:1  idle             -                                            -     -    0%
            akka.tcp://atelier@gpu-box-2:4054  slot-0  cpu     busy (draining)  wd-sweep-20260102-000001        12 (attempt 2)    40  100%
            akka.tcp://atelier@gpu-box-2:4054  slot-1  cpu     drained          -                                            -     -    5%
            draining: akka.tcp://atelier@gpu-box-2:4054 takes no new trials (1 of 2 slots still busy)

            """.Replace("\r\n", "\n"),
            Render(ClusterSamples.Workers()));
    }

    [Theory]
    [InlineData(0.0, "0%")]
    [InlineData(0.004, "0%")]
    [InlineData(0.005, "1%")]
    [InlineData(0.734, "73%")]
    [InlineData(1.0, "100%")]
    [InlineData(1.7, "100%")]
    [InlineData(-0.2, "0%")]
    [InlineData(double.NaN, "-")]
    public void Utilisation_is_a_whole_percentage(double share, string expected) => Assert.Equal(expected, WorkerListCommand.Percent(share));

    [Fact]
    public void No_workers_says_how_to_start_one() =>
        Assert.Contains("no workers", Render([]));

    [Fact]
    public async Task List_gets_the_workers_and_prints_the_table()
    {
        using var server = new CannedServer(_ => new(200, ClusterSamples.Json(ClusterSamples.Workers())));
        var run = await PbmRunner.RunAsync("worker", "list", "--server", server.Url);
        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Equal(Render(ClusterSamples.Workers()), run.Out);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("GET", "/api/workers"), (request.Method, request.PathAndQuery));
    }

    [Fact]
    public async Task List_json_parses_back_into_the_dtos()
    {
        var workers = ClusterSamples.Workers();
        using var server = new CannedServer(_ => new(200, ClusterSamples.Json(workers)));
        var run = await PbmRunner.RunAsync("worker", "list", "--json", "--server", server.Url);
        Assert.Equal(0, run.Code);
        var back = JsonSerializer.Deserialize<List<WorkerDto>>(run.Out, ApiJson.Options)!;
        Assert.Equal(workers.SelectMany(w => w.Slots), back.SelectMany(w => w.Slots));
    }

    [Fact]
    public async Task Drain_posts_the_address_and_prints_the_servers_message()
    {
        var message = $"2 slots of {ClusterSamples.Worker1} finish their trials and take no more";
        using var server = new CannedServer(_ => new(200, ClusterSamples.Json(new { node = ClusterSamples.Worker1, slots = 2, message })));
        var run = await PbmRunner.RunAsync("worker", "drain", ClusterSamples.Worker1, "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Equal($"draining {ClusterSamples.Worker1}: {message} (follow it with pbm worker list)\n", run.Out);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/api/workers/drain"), (request.Method, request.PathAndQuery));
        Assert.StartsWith("application/json", request.ContentType);
        Assert.Equal($$"""{"address":"{{ClusterSamples.Worker1}}"}""", request.Body);
    }

    [Fact]
    public async Task Drain_json_prints_the_servers_json()
    {
        var body = ClusterSamples.Json(new { node = ClusterSamples.Worker1, slots = 2, message = "2 slots" });
        using var server = new CannedServer(_ => new(200, body));
        var run = await PbmRunner.RunAsync("worker", "drain", ClusterSamples.Worker1, "--json", "--server", server.Url);
        Assert.Equal(0, run.Code);
        Assert.Equal(body + "\n", run.Out);
    }

    [Fact]
    public async Task Drain_of_an_unknown_worker_exits_1_with_the_servers_message()
    {
        var message = $"no worker with address '{ClusterSamples.Worker2}' has reported its slots (see `pbm worker list`)";
        using var server = new CannedServer(_ => new(404, ClusterSamples.Error(message)));
        var run = await PbmRunner.RunAsync("worker", "drain", ClusterSamples.Worker2, "--server", server.Url);
        Assert.Equal(1, run.Code);
        Assert.Equal("", run.Out);
        Assert.Equal($"pbm: {message}", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task Server_down_exits_1_with_one_line()
    {
        var port = PbmRunner.ClosedPort();
        var run = await PbmRunner.RunAsync($"127.0.0.1:{port}", "worker", "list");
        Assert.Equal(1, run.Code);
        Assert.StartsWith($"pbm: cannot reach the coordinator at http://127.0.0.1:{port} (connection refused)", Assert.Single(run.ErrLines));
    }
}
