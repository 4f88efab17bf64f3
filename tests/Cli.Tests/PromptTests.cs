namespace Atelier.Cli.Tests;

public class PromptTests
{
    private static CannedServer.Response Answer(CannedServer.Request request) => request.PathAndQuery switch
    {
        "/api/cluster" => new(200, ClusterSamples.Json(ClusterSamples.Cluster())),
        "/api/workers" => new(200, ClusterSamples.Json(ClusterSamples.Workers())),
        "/api/sweeps" => new(200, "[]"),
        "/api/workers/drain" => new(404, ClusterSamples.Error("no worker with that address has reported its slots")),
        _ => new(404, ClusterSamples.Error($"no route {request.PathAndQuery}")),
    };

    private static Task<PbmRunner.Outcome> Prompt(string input, params string[] args) =>
        PbmRunner.RunAsync(PbmRunner.Host(input: input), args);

    [Fact]
    public async Task Host_port_alone_opens_a_prompt_that_runs_each_line_against_that_server()
    {
        using var server = new CannedServer(Answer);
        var run = await Prompt("cluster show\nworker list\n", $"127.0.0.1:{server.Port}");

        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Equal(["/api/cluster", "/api/workers"], server.Requests.Select(r => r.PathAndQuery));
        Assert.Contains("self, leader", run.Out);
        Assert.Contains("slot-0  cuda:0", run.Out);
        // Input from a pipe or a file: no prompt text in the output.
        Assert.DoesNotContain("pbm> ", run.Out);
    }

    [Fact]
    public void Ctrl_c_stops_the_running_command_first_then_pbm_then_the_process()
    {
        using var interrupts = new Interrupts();
        using var command = new CancellationTokenSource();
        using (interrupts.Redirect(command))
        {
            Assert.True(interrupts.Interrupt());
            Assert.True(command.IsCancellationRequested);
            Assert.False(interrupts.Token.IsCancellationRequested);
        }
        Assert.True(interrupts.Interrupt());
        Assert.True(interrupts.Token.IsCancellationRequested);
        Assert.False(interrupts.Interrupt());
    }

    [Fact]
    public void Host_port_or_server_alone_parse_as_the_prompt()
    {
        foreach (var args in new[] { new[] { "10.0.0.5:9110" }, ["--server", "10.0.0.5:9110"], ["--server=http://10.0.0.5:9110"] })
        {
            var command = Assert.IsType<ParsedCommand>(CommandLine.Parse(args, _ => null));
            Assert.Same(Pbm.PromptCommand, command.Command);
            Assert.Equal("http://10.0.0.5:9110/", command.Server.ToString());
        }
        // Without a server on the command line, pbm alone is still a usage error.
        Assert.IsType<UsageError>(CommandLine.Parse([], name => name == "ATELIER_SERVER" ? "10.0.0.5:9110" : null));
        Assert.IsType<UsageError>(CommandLine.Parse(["10.0.0.5:9110", "--json"], _ => null));
    }

    [Fact]
    public async Task A_failing_line_prints_its_error_and_the_prompt_goes_on_until_exit()
    {
        using var server = new CannedServer(Answer);
        var input = string.Join('\n',
            "clustr show",
            $"worker drain {ClusterSamples.Worker2}",
            "worker drain 10.0.0.1:4053",
            "sweep submit \"no such file.yaml\"",
            "cluster show",
            "exit",
            "worker list");
        var run = await Prompt(input, "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal(["/api/workers/drain", "/api/cluster"], server.Requests.Select(r => r.PathAndQuery));
        var errors = run.ErrLines;
        Assert.Equal(4, errors.Length);
        Assert.StartsWith("pbm: unknown command 'clustr' (did you mean 'cluster'?)", errors[0]);
        Assert.Equal("pbm: no worker with that address has reported its slots", errors[1]);
        Assert.StartsWith("pbm: '10.0.0.1:4053' is not a node address", errors[2]);
        Assert.StartsWith("pbm: no such file: no such file.yaml", errors[3]);
        Assert.Contains("self, leader", run.Out);
    }

    [Theory]
    [InlineData("exit\ncluster show\n")]
    [InlineData("quit\ncluster show\n")]
    [InlineData("")]
    [InlineData("\n   \n")]
    public async Task Exit_quit_and_the_end_of_the_input_leave_with_0(string input)
    {
        using var server = new CannedServer(Answer);
        var run = await Prompt(input, server.Url);
        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_help_topic_shows_the_commands_help()
    {
        using var server = new CannedServer(Answer);
        var run = await Prompt("help\nhelp cluster down\n", server.Url);
        Assert.Equal(0, run.Code);
        Assert.StartsWith($"Commands (as on pbm's command line, without \"pbm\"; they go to {server.Url}):", run.Out);
        foreach (var text in new[] { "sweep submit FILE", "cluster show", "worker drain ADDRESS", "exit, quit" })
            Assert.Contains(text, run.Out);
        Assert.Contains("pbm cluster down: mark a member down", run.Out);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Lines_take_options_a_pbm_prefix_and_another_server()
    {
        using var server = new CannedServer(Answer);
        using var other = new CannedServer(Answer);
        var run = await Prompt($"pbm cluster show --json\nsweep list --server {other.Url}\nsweep list\n", server.Url);
        Assert.Equal(0, run.Code);
        Assert.StartsWith(ClusterSamples.Json(ClusterSamples.Cluster()) + "\n", run.Out);
        Assert.Equal(["/api/cluster", "/api/sweeps"], server.Requests.Select(r => r.PathAndQuery));
        Assert.Equal(["/api/sweeps"], other.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task The_token_goes_with_every_line()
    {
        using var server = new CannedServer(Answer);
        var host = PbmRunner.Host(new Dictionary<string, string> { ["ATELIER_TOKEN"] = "s3cret" }, input: "cluster show\nworker list\n");
        var run = await PbmRunner.RunAsync(host, server.Url);
        Assert.Equal(0, run.Code);
        Assert.All(server.Requests, r => Assert.Equal("Bearer s3cret", r.Authorization));
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task A_server_that_is_down_fails_each_line_but_not_the_prompt()
    {
        var port = PbmRunner.ClosedPort();
        var run = await Prompt("cluster show\nworker list\n", $"127.0.0.1:{port}");
        Assert.Equal(0, run.Code);
        Assert.Equal(2, run.ErrLines.Length);
        Assert.All(run.ErrLines, l => Assert.StartsWith($"pbm: cannot reach the coordinator at http://127.0.0.1:{port}", l));
    }

    [Theory]
    [InlineData("cluster show", new[] { "cluster", "show" })]
    [InlineData("  sweep   submit  \"my spec.yaml\"  ", new[] { "sweep", "submit", "my spec.yaml" })]
    [InlineData("sweep submit 'it''s.yaml'", new[] { "sweep", "submit", "its.yaml" })]
    [InlineData("sweep submit \"a \\\"b\\\".yaml\"", new[] { "sweep", "submit", "a \"b\".yaml" })]
    [InlineData("sweep submit \"\"", new[] { "sweep", "submit", "" })]
    [InlineData("--server=\"http://h:1\" sweep list", new[] { "--server=http://h:1", "sweep", "list" })]
    [InlineData("", new string[0])]
    public void Lines_split_into_words_with_quotes(string line, string[] expected)
    {
        Assert.Equal(expected, PromptCommand.Words(line, out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void An_unterminated_quote_is_reported()
    {
        Assert.Empty(PromptCommand.Words("sweep submit \"a.yaml", out var problem));
        Assert.StartsWith("unterminated \"", problem);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9110/", "127.0.0.1:9110")]
    [InlineData("http://coordinator.atelier.svc/", "coordinator.atelier.svc:80")]
    [InlineData("http://[::1]:9110/", "[::1]:9110")]
    [InlineData("https://atelier.example.com/", "https://atelier.example.com")]
    public void The_prompt_names_the_server_as_host_port(string server, string label) =>
        Assert.Equal(label, PromptCommand.Label(new Uri(server)));
}
