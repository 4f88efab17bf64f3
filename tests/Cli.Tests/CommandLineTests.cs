namespace Atelier.Cli.Tests;

public class CommandLineTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static ParsedCommand Parse(params string[] args) => Parse(NoEnvironment, args);

    private static ParsedCommand Parse(Func<string, string?> environment, params string[] args)
    {
        var result = CommandLine.Parse(args, environment);
        return Assert.IsType<ParsedCommand>(result);
    }

    private static string ParseError(params string[] args) =>
        Assert.IsType<UsageError>(CommandLine.Parse(args, NoEnvironment)).Message;

    [Fact]
    public void Default_server_is_loopback_9110()
    {
        var command = Parse("sweep", "list");
        Assert.Equal("sweep list", command.Command.Topic);
        Assert.Equal("http://127.0.0.1:9110/", command.Server.ToString());
        Assert.False(command.Json);
    }

    [Theory]
    [InlineData("127.0.0.1:9200", "http://127.0.0.1:9200/")]
    [InlineData("localhost:9111", "http://localhost:9111/")]
    [InlineData("coordinator.atelier.svc:80", "http://coordinator.atelier.svc/")]
    [InlineData("http://10.0.0.5:9110", "http://10.0.0.5:9110/")]
    [InlineData("https://atelier.example.com/", "https://atelier.example.com/")]
    [InlineData("[::1]:9110", "http://[::1]:9110/")]
    public void First_argument_host_port_sets_the_server(string first, string expected)
    {
        var command = Parse(first, "sweep", "show", "abc");
        Assert.Equal("sweep show", command.Command.Topic);
        Assert.Equal("abc", command.Argument);
        Assert.Equal(expected, command.Server.ToString());
    }

    [Theory]
    [InlineData("--server", "10.0.0.5:9110", "http://10.0.0.5:9110/")]
    [InlineData("--server", "https://atelier.example.com/base", "https://atelier.example.com/base/")]
    [InlineData("--server", "gpu-box", "http://gpu-box:9110/")]
    public void Server_option_takes_a_url_or_bare_host_port(string option, string value, string expected)
    {
        Assert.Equal(expected, Parse("sweep", "list", option, value).Server.ToString());
        Assert.Equal(expected, Parse(option, value, "sweep", "list").Server.ToString());
        Assert.Equal(expected, Parse($"{option}={value}", "sweep", "list").Server.ToString());
    }

    [Fact]
    public void Environment_variable_sets_the_server_unless_an_option_does()
    {
        Func<string, string?> environment = name => name == "ATELIER_SERVER" ? "10.1.2.3:9999" : null;
        Assert.Equal("http://10.1.2.3:9999/", Parse(environment, "sweep", "list").Server.ToString());
        Assert.Equal("http://10.9.9.9:9110/", Parse(environment, "sweep", "list", "--server", "10.9.9.9:9110").Server.ToString());
        Assert.Equal("http://10.8.8.8:1/", Parse(environment, "10.8.8.8:1", "sweep", "list").Server.ToString());
    }

    [Fact]
    public void Bad_environment_variable_is_a_usage_error_naming_it()
    {
        var result = CommandLine.Parse(["sweep", "list"], name => name == "ATELIER_SERVER" ? "ftp://x" : null);
        Assert.Contains("ATELIER_SERVER=ftp://x", Assert.IsType<UsageError>(result).Message);
    }

    [Theory]
    [InlineData("--json", "sweep", "show", "abc")]
    [InlineData("sweep", "--json", "show", "abc")]
    [InlineData("sweep", "show", "--json", "abc")]
    [InlineData("sweep", "show", "abc", "--json")]
    [InlineData("127.0.0.1:9110", "sweep", "show", "abc", "--json")]
    public void Json_is_accepted_anywhere(params string[] args)
    {
        var command = Parse(args);
        Assert.True(command.Json);
        Assert.Equal("sweep show", command.Command.Topic);
        Assert.Equal("abc", command.Argument);
    }

    [Fact]
    public void Submit_takes_a_file_and_wait()
    {
        var command = Parse("sweep", "submit", "--wait", "spec.yaml");
        Assert.Equal("sweep submit", command.Command.Topic);
        Assert.Equal("spec.yaml", command.Argument);
        Assert.True(command.Wait);
    }

    [Fact]
    public void Double_dash_ends_options()
    {
        var command = Parse("sweep", "submit", "--", "--odd-name.yaml");
        Assert.Equal("--odd-name.yaml", command.Argument);
    }

    [Theory]
    [InlineData("sweep list --help", "sweep list")]
    [InlineData("-h sweep submit", "sweep submit")]
    [InlineData("sweep --help", "sweep")]
    [InlineData("--help", "")]
    [InlineData("help sweep show", "sweep show")]
    [InlineData("sweep list --bogus --help", "sweep list")]
    public void Help_finds_its_topic(string line, string topic)
    {
        var command = Parse(line.Split(' '));
        Assert.Same(Pbm.HelpCommand, command.Command);
        Assert.Equal(topic, command.HelpTopic);
    }

    [Theory]
    [InlineData("unknown option '--bogus'", "sweep", "list", "--bogus")]
    [InlineData("unknown option '-x'", "-x", "sweep", "list")]
    [InlineData("unknown command 'swep' (did you mean 'sweep'?)", "swep", "list")]
    [InlineData("unknown sweep command 'lst' (did you mean 'list'?)", "sweep", "lst")]
    [InlineData("missing the sweep command", "sweep")]
    [InlineData("no command given", "--json")]
    [InlineData("missing the spec FILE", "sweep", "submit")]
    [InlineData("missing the sweep ID", "sweep", "show")]
    [InlineData("unexpected argument 'b.yaml'", "sweep", "submit", "a.yaml", "b.yaml")]
    [InlineData("option --wait is only for pbm sweep submit", "sweep", "list", "--wait")]
    [InlineData("option --server needs a value", "sweep", "list", "--server")]
    [InlineData("option --json takes no value", "sweep", "list", "--json=yes")]
    [InlineData("--server ftp://x is not an http(s) URL", "sweep", "list", "--server", "ftp://x")]
    [InlineData("unknown command '127.0.0.1:1'", "--json", "127.0.0.1:1", "sweep", "list")]
    [InlineData("the server is given twice", "10.0.0.1:9110", "sweep", "list", "--server", "10.0.0.2:9110")]
    public void Usage_errors_say_what_is_wrong_with_a_usage_hint(string expected, params string[] args)
    {
        var message = ParseError(args);
        Assert.Contains(expected, message);
        Assert.Contains("Usage: pbm", message);
        Assert.Contains("--help", message);
    }

    [Fact]
    public async Task Unknown_option_exits_2_with_one_line_and_the_usage_hint()
    {
        var run = await PbmRunner.RunAsync("sweep", "list", "--frobnicate");
        Assert.Equal(2, run.Code);
        Assert.Equal("", run.Out);
        var line = Assert.Single(run.ErrLines);
        Assert.StartsWith("pbm: unknown option '--frobnicate'", line);
        Assert.Contains("Usage: pbm sweep list [--json] [--server URL]", line);
    }

    [Fact]
    public async Task No_arguments_exit_2()
    {
        var run = await PbmRunner.RunAsync();
        Assert.Equal(2, run.Code);
        Assert.Contains("no command given", run.Err);
    }

    [Fact]
    public async Task Help_documents_commands_options_and_exit_codes()
    {
        var run = await PbmRunner.RunAsync("--help");
        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        foreach (var text in new[] { "sweep submit FILE", "sweep list", "sweep show ID", "--server URL", "ATELIER_SERVER", "--json", "--version", "Exit codes:", "  0 ", "  1 ", "  2 " })
            Assert.Contains(text, run.Out);
    }

    [Fact]
    public async Task Command_help_describes_the_command()
    {
        var run = await PbmRunner.RunAsync("sweep", "submit", "-h");
        Assert.Equal(0, run.Code);
        Assert.StartsWith("pbm sweep submit:", run.Out);
        Assert.Contains("--wait", run.Out);
        Assert.Contains("Exit codes:", run.Out);
    }

    [Fact]
    public async Task Version_prints_the_version()
    {
        var run = await PbmRunner.RunAsync("--version");
        Assert.Equal(0, run.Code);
        Assert.Matches(@"^pbm \d+\.\d+\.\d+", run.Out);
    }
}
