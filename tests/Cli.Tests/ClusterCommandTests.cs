using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli.Tests;

public class ClusterCommandTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static ParsedCommand Parse(params string[] args) => Assert.IsType<ParsedCommand>(CommandLine.Parse(args, NoEnvironment));

    private static string ParseError(params string[] args) =>
        Assert.IsType<UsageError>(CommandLine.Parse(args, NoEnvironment)).Message;

    private static string Render(ClusterDto cluster)
    {
        var writer = new StringWriter { NewLine = "\n" };
        ClusterShowCommand.Write(cluster, writer, new Styler(false));
        return writer.ToString();
    }

    [Theory]
    [InlineData("cluster show", "cluster show", null)]
    [InlineData("cluster leave akka.tcp://atelier@10.0.0.6:4053", "cluster leave", "akka.tcp://atelier@10.0.0.6:4053")]
    [InlineData("cluster down akka.tcp://atelier@gpu-box-2:4054", "cluster down", "akka.tcp://atelier@gpu-box-2:4054")]
    [InlineData("cluster down akka.tcp://atelier@[::1]:4053", "cluster down", "akka.tcp://atelier@[::1]:4053")]
    [InlineData("worker list", "worker list", null)]
    [InlineData("worker drain akka.tcp://atelier@10.0.0.6:4053", "worker drain", "akka.tcp://atelier@10.0.0.6:4053")]
    public void Cluster_and_worker_commands_parse(string line, string topic, string? argument)
    {
        var command = Parse(line.Split(' '));
        Assert.Equal(topic, command.Command.Topic);
        Assert.Equal(argument, command.Argument);
        Assert.False(command.Json);
        Assert.True(Parse([.. line.Split(' '), "--json"]).Json);
        Assert.Equal("http://10.0.0.9:9110/", Parse(["10.0.0.9:9110", .. line.Split(' ')]).Server.ToString());
    }

    [Theory]
    [InlineData("missing the cluster command: show, leave or down", "cluster")]
    [InlineData("missing the worker command: list or drain", "worker")]
    [InlineData("unknown cluster command 'shwo' (did you mean 'show'?)", "cluster", "shwo")]
    [InlineData("unknown worker command 'drian' (did you mean 'drain'?)", "worker", "drian")]
    [InlineData("unknown command 'clustr' (did you mean 'cluster'?)", "clustr", "show")]
    [InlineData("missing the ADDRESS of the node that should leave (see pbm cluster show)", "cluster", "leave")]
    [InlineData("missing the ADDRESS of the node to mark down (see pbm cluster show)", "cluster", "down")]
    [InlineData("missing the ADDRESS of the worker node to drain (see pbm worker list)", "worker", "drain")]
    [InlineData("unexpected argument 'x'", "cluster", "show", "x")]
    [InlineData("unexpected argument 'x'", "worker", "list", "x")]
    [InlineData("unexpected argument 'b': give one ADDRESS", "worker", "drain", "akka.tcp://atelier@a:1", "b")]
    [InlineData("option --wait is only for pbm sweep submit", "worker", "list", "--wait")]
    public void Cluster_and_worker_usage_errors_say_what_is_wrong(string expected, params string[] args)
    {
        var message = ParseError(args);
        Assert.Contains(expected, message);
        Assert.Contains("Usage: pbm ", message);
    }

    [Theory]
    [InlineData("10.0.0.6:4053", "write it as akka.tcp://atelier@10.0.0.6:4053")]
    [InlineData("akka://atelier@10.0.0.6:4053", "the cluster's addresses start with akka.tcp://")]
    [InlineData("akka.tcp://other@10.0.0.6:4053", "its actor system is 'atelier', not 'other'")]
    [InlineData("akka.tcp://atelier@10.0.0.6", "expected akka.tcp://atelier@HOST:PORT")]
    [InlineData("akka.tcp://atelier@10.0.0.6:4053/user", "expected akka.tcp://atelier@HOST:PORT")]
    [InlineData("akka.tcp://atelier@:4053", "expected akka.tcp://atelier@HOST:PORT")]
    [InlineData("akka.tcp://atelier@host:70000", "port 70000 is not between 1 and 65535")]
    [InlineData("worker-1", "expected akka.tcp://atelier@HOST:PORT, e.g. akka.tcp://atelier@10.0.0.5:4053")]
    public void Addresses_are_checked_locally(string address, string expected)
    {
        foreach (var (palette, command, see) in new[] { ("cluster", "leave", "pbm cluster show"), ("cluster", "down", "pbm cluster show"), ("worker", "drain", "pbm worker list") })
        {
            var message = ParseError(palette, command, address);
            Assert.StartsWith($"'{address}' is not a node address", message);
            Assert.Contains(expected, message);
            Assert.Contains($"(see {see})", message);
            Assert.Contains($"Usage: pbm {palette} {command} ADDRESS", message);
        }
    }

    [Fact]
    public async Task A_bad_address_exits_2_with_one_line_and_sends_nothing()
    {
        using var server = new CannedServer(_ => new(200, "{}"));
        var run = await PbmRunner.RunAsync("cluster", "down", "10.0.0.6:4053", "--server", server.Url);
        Assert.Equal(2, run.Code);
        Assert.Equal("", run.Out);
        Assert.StartsWith("pbm: '10.0.0.6:4053' is not a node address: write it as akka.tcp://atelier@10.0.0.6:4053", Assert.Single(run.ErrLines));
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void Members_table_marks_self_and_leader_and_reports_unreachable_members()
    {
        Assert.Equal(
            """
            ADDRESS                            ROLES        STATUS     REACHABLE
            akka.tcp://atelier@10.0.0.5:4053   coordinator  up         yes        self, leader
            akka.tcp://atelier@10.0.0.6:4053   gpu-worker   up         yes
            akka.tcp://atelier@gpu-box-2:4054  gpu-worker   weakly_up  no
            1 member unreachable: if it is dead, remove it with pbm cluster down ADDRESS

            """.Replace("\r\n", "\n"),
            Render(ClusterSamples.Cluster()));
    }

    [Fact]
    public void Leader_elsewhere_is_marked_on_its_row_and_no_leader_is_reported()
    {
        var elsewhere = Render(ClusterSamples.Cluster(leader: ClusterSamples.Worker1)).Split('\n');
        Assert.EndsWith("yes        self", elsewhere[1]);
        Assert.EndsWith("yes        leader", elsewhere[2]);

        var none = Render(ClusterSamples.Cluster(leader: null));
        Assert.Contains("no leader yet", none);
        Assert.DoesNotContain("leader\n", none);
    }

    [Fact]
    public void Members_with_no_roles_show_a_dash_and_an_empty_cluster_says_so()
    {
        var cluster = new ClusterDto(ClusterSamples.Coordinator, ClusterSamples.Coordinator,
            [new MemberDto(ClusterSamples.Coordinator, [], "Leaving", true)]);
        Assert.Contains("akka.tcp://atelier@10.0.0.5:4053  -      leaving  yes        self, leader", Render(cluster));
        Assert.Contains("no members", Render(new ClusterDto(ClusterSamples.Coordinator, null, [])));
    }

    [Fact]
    public void Unreachable_and_status_are_coloured_on_a_terminal()
    {
        var writer = new StringWriter { NewLine = "\n" };
        ClusterShowCommand.Write(ClusterSamples.Cluster(), writer, new Styler(true));
        var output = writer.ToString();
        Assert.Contains("\u001b[32mup\u001b[0m", output);
        Assert.Contains("\u001b[31mno\u001b[0m", output);
    }

    [Fact]
    public async Task Show_gets_the_cluster_and_prints_the_table()
    {
        using var server = new CannedServer(_ => new(200, ClusterSamples.Json(ClusterSamples.Cluster())));
        var run = await PbmRunner.RunAsync("cluster", "show", "--server", server.Url);
        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Equal(Render(ClusterSamples.Cluster()), run.Out);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("GET", "/api/cluster"), (request.Method, request.PathAndQuery));
    }

    [Fact]
    public async Task Show_json_prints_the_servers_json()
    {
        var cluster = ClusterSamples.Cluster();
        using var server = new CannedServer(_ => new(200, ClusterSamples.Json(cluster)));
        var run = await PbmRunner.RunAsync($"127.0.0.1:{server.Port}", "cluster", "show", "--json");
        Assert.Equal(0, run.Code);
        Assert.Equal(ClusterSamples.Json(cluster) + "\n", run.Out);
        var back = JsonSerializer.Deserialize<ClusterDto>(run.Out, ApiJson.Options)!;
        Assert.Equal(cluster.Members.Select(m => m.Address), back.Members.Select(m => m.Address));
    }

    [Theory]
    [InlineData("leave", "is leaving the cluster")]
    [InlineData("down", "was marked down")]
    public async Task Leave_and_down_post_the_address_as_json(string command, string done)
    {
        using var server = new CannedServer(r => new(200, ClusterSamples.Json(new { address = ClusterSamples.Worker1, message = $"{ClusterSamples.Worker1} {done}" })));
        var run = await PbmRunner.RunAsync("cluster", command, ClusterSamples.Worker1, "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.StartsWith($"{ClusterSamples.Worker1} {done}", run.Out);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("POST", $"/api/cluster/{command}"), (request.Method, request.PathAndQuery));
        Assert.StartsWith("application/json", request.ContentType);
        Assert.Equal(ClusterSamples.Worker1, JsonSerializer.Deserialize<AddressRequest>(request.Body, ApiJson.Options)!.Address);
        Assert.Equal($$"""{"address":"{{ClusterSamples.Worker1}}"}""", request.Body);
    }

    [Theory]
    [InlineData("leave")]
    [InlineData("down")]
    public async Task Leave_and_down_of_a_non_member_exit_1_with_the_servers_message(string command)
    {
        var message = $"{ClusterSamples.Worker2} is not a member of this cluster (see `pbm cluster show`)";
        using var server = new CannedServer(_ => new(404, ClusterSamples.Error(message)));
        var run = await PbmRunner.RunAsync("cluster", command, ClusterSamples.Worker2, "--server", server.Url);
        Assert.Equal(1, run.Code);
        Assert.Equal("", run.Out);
        Assert.Equal($"pbm: {message}", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task Down_json_prints_the_servers_json()
    {
        var body = ClusterSamples.Json(new { address = ClusterSamples.Worker2, message = $"{ClusterSamples.Worker2} was marked down" });
        using var server = new CannedServer(_ => new(200, body));
        var run = await PbmRunner.RunAsync("cluster", "down", ClusterSamples.Worker2, "--json", "--server", server.Url);
        Assert.Equal(0, run.Code);
        Assert.Equal(body + "\n", run.Out);
    }

    [Fact]
    public async Task Cluster_help_says_down_is_for_dead_nodes_and_leave_is_graceful()
    {
        var down = await PbmRunner.RunAsync("cluster", "down", "--help");
        Assert.Equal(0, down.Code);
        Assert.StartsWith("pbm cluster down:", down.Out);
        Assert.Contains("dead or unreachable", down.Out);
        Assert.Contains("pbm cluster leave ADDRESS is the graceful way", down.Out);
        Assert.Contains("Exit codes:", down.Out);

        var palette = await PbmRunner.RunAsync("help", "cluster");
        Assert.StartsWith("pbm cluster:", palette.Out);
        foreach (var text in new[] { "show", "leave ADDRESS", "down ADDRESS", "akka.tcp://atelier@HOST:PORT" })
            Assert.Contains(text, palette.Out);

        var root = await PbmRunner.RunAsync("--help");
        foreach (var text in new[] { "cluster show", "cluster leave ADDRESS", "cluster down ADDRESS", "worker list", "worker drain ADDRESS", "Interactive prompt:", "ATELIER_CONFIG", "pbm.json" })
            Assert.Contains(text, root.Out);
    }

    [Theory]
    [InlineData("cluster show", "pbm cluster show:")]
    [InlineData("cluster leave", "pbm cluster leave:")]
    [InlineData("cluster down", "pbm cluster down:")]
    [InlineData("worker", "pbm worker:")]
    [InlineData("worker list", "pbm worker list:")]
    [InlineData("worker drain", "pbm worker drain:")]
    public async Task Every_new_command_has_help(string topic, string start)
    {
        var viaFlag = await PbmRunner.RunAsync([.. topic.Split(' '), "-h"]);
        var viaHelp = await PbmRunner.RunAsync(["help", .. topic.Split(' ')]);
        Assert.Equal(0, viaFlag.Code);
        Assert.StartsWith(start, viaFlag.Out);
        Assert.Equal(viaFlag.Out, viaHelp.Out);
        Assert.Contains("--json", viaFlag.Out);
        if (topic.Contains(' '))
            Assert.Contains($"Usage: {Usage.Synopsis(topic)}", viaFlag.Out);
    }
}
