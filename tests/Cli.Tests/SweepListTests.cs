using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli.Tests;

public class SweepListTests
{
    [Fact]
    public async Task List_prints_one_aligned_row_per_sweep_in_the_servers_order()
    {
        using var server = new CannedServer(_ => new(200, Samples.Json(Samples.Summaries())));

        var run = await PbmRunner.RunAsync("sweep", "list", "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Equal(
            """
            ID                              NAME            JOB          METHOD  STATUS             TRIALS      BEST  CREATED
            wd-sweep-20260102-000001        wd-sweep        cifar-vgg19  random  running    5/9 (2 failed)  0.941449  2026-01-02 04:04:05
            synthetic-grid-20260102-abc123  synthetic-grid  synthetic    grid    completed           12/12   1.5E-07  2026-01-02 03:04:05
            s-20260102-000002               s               synthetic    grid    running               0/3         -  2026-01-02 05:04:05

            """.Replace("\r\n", "\n"),
            run.Out);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("GET", "/api/sweeps"), (request.Method, request.PathAndQuery));
    }

    [Fact]
    public async Task List_json_parses_back_into_the_dtos()
    {
        var sweeps = Samples.Summaries();
        using var server = new CannedServer(_ => new(200, Samples.Json(sweeps)));

        var run = await PbmRunner.RunAsync("sweep", "list", "--json", "--server", server.Url);
        Assert.Equal(0, run.Code);
        Assert.Equal(sweeps, JsonSerializer.Deserialize<List<SweepSummaryDto>>(run.Out, ApiJson.Options));
    }

    [Fact]
    public async Task An_empty_list_says_how_to_start()
    {
        using var server = new CannedServer(_ => new(200, "[]"));
        var run = await PbmRunner.RunAsync("sweep", "list", "--server", server.Url);
        Assert.Equal(0, run.Code);
        Assert.Contains("pbm sweep submit FILE", run.Out);
    }

    [Fact]
    public async Task The_env_var_chooses_the_server()
    {
        using var server = new CannedServer(_ => new(200, "[]"));
        var host = PbmRunner.Host(new Dictionary<string, string> { ["ATELIER_SERVER"] = $"127.0.0.1:{server.Port}" });
        var run = await PbmRunner.RunAsync(host, "sweep", "list");
        Assert.Equal(0, run.Code);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Server_down_exits_1_with_one_line()
    {
        var port = PbmRunner.ClosedPort();
        var run = await PbmRunner.RunAsync($"127.0.0.1:{port}", "sweep", "list");
        Assert.Equal(1, run.Code);
        Assert.Equal(
            $"pbm: cannot reach the coordinator at http://127.0.0.1:{port} (connection refused): is it running? start it with dotnet run --project src/Coordinator, or pass --server",
            Assert.Single(run.ErrLines));
    }

    [Theory]
    [InlineData(200, "<!DOCTYPE html><html><body>It works!</body></html>", "text/html", "200 OK with a web page")]
    [InlineData(404, "<html><body>Not Found</body></html>", "text/html", "404 Not Found with a web page")]
    [InlineData(200, "hello", "text/plain", "200 OK with text/plain")]
    public async Task A_server_that_is_not_a_coordinator_is_named_as_such_in_one_line(int status, string body, string type, string answered)
    {
        using var server = new CannedServer(_ => new(status, body, type));
        var run = await PbmRunner.RunAsync("sweep", "list", "--server", server.Url);
        Assert.Equal(1, run.Code);
        Assert.Equal(
            $"pbm: the server at {server.Url} answered {answered}, not the coordinator's JSON: is --server the Atelier coordinator's API (default port 9110)?",
            Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task A_wrong_token_gets_the_coordinators_one_line()
    {
        using var server = new CannedServer(_ => new(401, Samples.ApiErrorJson("missing or wrong bearer token: set ATELIER_TOKEN to the coordinator's API token (pbm sends it as Authorization: Bearer …)")));
        var run = await PbmRunner.RunAsync("sweep", "list", "--server", server.Url);
        Assert.Equal(1, run.Code);
        Assert.Equal("pbm: missing or wrong bearer token: set ATELIER_TOKEN to the coordinator's API token (pbm sends it as Authorization: Bearer …)", Assert.Single(run.ErrLines));
    }
}
