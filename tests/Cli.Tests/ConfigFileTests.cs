namespace Atelier.Cli.Tests;

public sealed class ConfigFileTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("pbm-config-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    /// <summary>Writes <c>~/.config/atelier/pbm.json</c> in the test's home.</summary>
    private string WriteHomeConfig(string json) => Write(Path.Combine(_home, ".config", "atelier", "pbm.json"), json);

    private static string Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private PbmHost Host(Dictionary<string, string>? environment = null, string input = "") =>
        PbmRunner.Host(environment, _home, input);

    private static ParseResult Parse(PbmHost host, params string[] args) =>
        CommandLine.Parse(args, host.GetEnvironmentVariable, () => PbmConfig.Load(host));

    private static Uri ServerOf(PbmHost host, params string[] args) => Assert.IsType<ParsedCommand>(Parse(host, args)).Server;

    [Fact]
    public void Precedence_is_option_then_environment_then_config_file_then_default()
    {
        Assert.Equal("http://127.0.0.1:9110/", ServerOf(Host(), "sweep", "list").ToString());

        WriteHomeConfig("""{"server": "10.0.0.3:9300"}""");
        Assert.Equal("http://10.0.0.3:9300/", ServerOf(Host(), "sweep", "list").ToString());

        var environment = new Dictionary<string, string> { ["ATELIER_SERVER"] = "10.0.0.2:9200" };
        Assert.Equal("http://10.0.0.2:9200/", ServerOf(Host(environment), "sweep", "list").ToString());

        Assert.Equal("http://10.0.0.1:9100/", ServerOf(Host(environment), "sweep", "list", "--server", "10.0.0.1:9100").ToString());
        Assert.Equal("http://10.0.0.1:9100/", ServerOf(Host(environment), "10.0.0.1:9100", "sweep", "list").ToString());
    }

    [Fact]
    public void Atelier_config_names_the_file_and_xdg_config_home_moves_the_default()
    {
        WriteHomeConfig("""{"server": "10.0.0.3:9300"}""");
        var xdg = Path.Combine(_home, "xdg");
        Write(Path.Combine(xdg, "atelier", "pbm.json"), """{"server": "10.0.0.4:9400"}""");
        var named = Write(Path.Combine(_home, "elsewhere.json"), """{"server": "10.0.0.5:9500"}""");

        Assert.Equal("http://10.0.0.4:9400/", ServerOf(Host(new() { ["XDG_CONFIG_HOME"] = xdg }), "worker", "list").ToString());
        Assert.Equal("http://10.0.0.5:9500/",
            ServerOf(Host(new() { ["XDG_CONFIG_HOME"] = xdg, ["ATELIER_CONFIG"] = named }), "worker", "list").ToString());
    }

    [Fact]
    public void No_home_and_no_file_mean_no_config()
    {
        Assert.Null(PbmConfig.Locate(PbmRunner.Host(), out _));
        Assert.Equal(default, PbmConfig.Load(Host()));
    }

    [Fact]
    public void Comments_trailing_commas_nulls_and_an_empty_file_are_fine()
    {
        var path = WriteHomeConfig("""
            {
              // the lab's coordinator
              "server": "https://atelier.example.com",
              "token": null,
            }
            """);
        var loaded = PbmConfig.Load(Host());
        Assert.Null(loaded.Error);
        Assert.Equal(new PbmConfig(path, new Uri("https://atelier.example.com/"), null), loaded.Config);

        WriteHomeConfig("  \n");
        Assert.Equal(new PbmConfig(path, null, null), PbmConfig.Load(Host()).Config);
    }

    [Fact]
    public async Task The_config_file_chooses_the_server_and_its_token_is_sent_when_atelier_token_is_unset()
    {
        using var server = new CannedServer(_ => new(200, "[]"));
        WriteHomeConfig($$"""{"server": "127.0.0.1:{{server.Port}}", "token": "from-file"}""");

        var run = await PbmRunner.RunAsync(Host(), "sweep", "list");
        Assert.Equal(0, run.Code);
        Assert.Equal("Bearer from-file", Assert.Single(server.Requests).Authorization);

        run = await PbmRunner.RunAsync(Host(new() { ["ATELIER_TOKEN"] = "from-env" }), "sweep", "list");
        Assert.Equal(0, run.Code);
        Assert.Equal("Bearer from-env", server.Requests.Last().Authorization);
    }

    [Theory]
    [InlineData("""{"server": "10.0.0.1:9110",}}""", "is not valid JSON (line 1, column 29)")]
    [InlineData("server: 10.0.0.1", "is not valid JSON (line 1, column 1)")]
    [InlineData("""["10.0.0.1:9110"]""", "holds an array, not an object")]
    [InlineData("""{"server": 9110}""", "\"server\" must be a string, not a number")]
    [InlineData("""{"token": true}""", "\"token\" must be a string, not a boolean")]
    [InlineData("""{"sever": "10.0.0.1:9110"}""", "unknown setting \"sever\" (did you mean 'server'?): the settings are server and token")]
    [InlineData("""{"server": "ftp://x"}""", "server \"ftp://x\" is not an http(s) URL or HOST:PORT")]
    public async Task A_malformed_config_file_exits_2_naming_the_file_and_the_problem(string json, string problem)
    {
        var path = WriteHomeConfig(json);
        using var server = new CannedServer(_ => new(200, "[]"));

        var run = await PbmRunner.RunAsync(Host(), "sweep", "list", "--server", server.Url);

        Assert.Equal(2, run.Code);
        Assert.Equal("", run.Out);
        var line = Assert.Single(run.ErrLines);
        Assert.StartsWith("pbm: ", line);
        Assert.Contains(path, line);
        Assert.Contains(problem, line);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_missing_file_named_by_atelier_config_exits_2()
    {
        var missing = Path.Combine(_home, "nope.json");
        var run = await PbmRunner.RunAsync(Host(new() { ["ATELIER_CONFIG"] = missing }), "worker", "list");
        Assert.Equal(2, run.Code);
        Assert.Contains($"ATELIER_CONFIG names {missing}, which does not exist", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task A_config_directory_exits_2()
    {
        Directory.CreateDirectory(Path.Combine(_home, ".config", "atelier", "pbm.json"));
        var run = await PbmRunner.RunAsync(Host(), "worker", "list");
        Assert.Equal(2, run.Code);
        Assert.Contains("is a directory", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task Help_and_version_work_despite_a_malformed_config_file()
    {
        WriteHomeConfig("{");
        Assert.Equal(0, (await PbmRunner.RunAsync(Host(), "--help")).Code);
        Assert.Equal(0, (await PbmRunner.RunAsync(Host(), "cluster", "show", "--help")).Code);
        Assert.Equal(0, (await PbmRunner.RunAsync(Host(), "--version")).Code);
    }

    [Fact]
    public async Task Command_line_errors_come_before_config_errors()
    {
        WriteHomeConfig("{");
        var run = await PbmRunner.RunAsync(Host(), "cluster", "leave");
        Assert.Equal(2, run.Code);
        Assert.Contains("missing the ADDRESS", run.Err);
    }
}
