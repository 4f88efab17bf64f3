using System.Text.Json;

namespace Atelier.Cli.Tests;

public sealed class SweepReportTests : IDisposable
{
    private const string Id = "style-weights-20260101-8f3a2c";
    private readonly string _dir = Directory.CreateTempSubdirectory("pbm-report-").FullName;

    private static CannedServer.Response Answer(CannedServer.Request r, bool final = true) => r.PathAndQuery switch
    {
        $"/api/sweeps/{Id}/report.json" => new(200, $$"""{"schemaVersion":1,"final":{{(final ? "true" : "false")}}}"""),
        $"/api/sweeps/{Id}/report.html" => new(200, "<!DOCTYPE html><title>r</title>", "text/html; charset=utf-8"),
        $"/api/sweeps/{Id}/report.json?views=2" => new(200, """{"schemaVersion":1,"final":true,"views":{"trial":2,"requested":true,"pictures":[]}}"""),
        $"/api/sweeps/{Id}/report.html?views=2" => new(200, "<!DOCTYPE html><title>trial 2</title>", "text/html; charset=utf-8"),
        $"/api/sweeps/{Id}/trials.csv" => new(200, "trial,status\r\n0,completed\r\n", "text/csv; charset=utf-8"),
        _ => new(404, Samples.ApiErrorJson($"no sweep with id '{Id}'")),
    };

    [Fact]
    public async Task Writes_the_three_files_into_the_out_directory()
    {
        using var server = new CannedServer(r => Answer(r));
        var dir = Path.Combine(_dir, "out");
        var result = await PbmRunner.RunAsync("--server", server.Url, "sweep", "report", Id, "--out", dir);

        Assert.Equal(0, result.Code);
        Assert.Equal("<!DOCTYPE html><title>r</title>", File.ReadAllText(Path.Combine(dir, "report.html")));
        Assert.Equal("trial,status\r\n0,completed\r\n", File.ReadAllText(Path.Combine(dir, "trials.csv")));
        Assert.Contains("\"final\":true", File.ReadAllText(Path.Combine(dir, "report.json")));
        Assert.Contains($"wrote the final report of sweep {Id} to {dir}", result.Out);
        Assert.Equal(["report.html", "report.json", "trials.csv"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Json_says_what_was_written()
    {
        using var server = new CannedServer(r => Answer(r, final: false));
        var dir = Path.Combine(_dir, "json");
        var result = await PbmRunner.RunAsync("--server", server.Url, "sweep", "report", Id, "--out", dir, "--json");

        Assert.Equal(0, result.Code);
        using var doc = JsonDocument.Parse(result.Out);
        Assert.Equal(Id, doc.RootElement.GetProperty("sweepId").GetString());
        Assert.False(doc.RootElement.GetProperty("final").GetBoolean());
        Assert.Equal(Path.GetFullPath(dir), doc.RootElement.GetProperty("directory").GetString());
        var files = doc.RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(["report.json", "report.html", "trials.csv"], files.Select(f => f.GetProperty("name").GetString()));
        Assert.All(files, f => Assert.Equal(new FileInfo(f.GetProperty("path").GetString()!).Length, f.GetProperty("size").GetInt64()));
    }

    [Fact]
    public async Task An_unknown_sweep_is_exit_1_and_writes_nothing()
    {
        using var server = new CannedServer(_ => new(404, Samples.ApiErrorJson("no sweep with id 'nope-20260101-000000'")));
        var dir = Path.Combine(_dir, "none");
        var result = await PbmRunner.RunAsync("--server", server.Url, "sweep", "report", "nope-20260101-000000", "--out", dir);

        Assert.Equal(1, result.Code);
        Assert.Contains("no sweep with id", result.Err);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Views_asks_for_that_trials_report_and_the_same_trials_csv()
    {
        using var server = new CannedServer(r => Answer(r));
        var dir = Path.Combine(_dir, "views");
        var result = await PbmRunner.RunAsync("--server", server.Url, "sweep", "report", Id, "--views", "2", "--out", dir);

        Assert.Equal(0, result.Code);
        Assert.Equal([$"/api/sweeps/{Id}/report.json?views=2", $"/api/sweeps/{Id}/report.html?views=2", $"/api/sweeps/{Id}/trials.csv"],
            server.Requests.Select(r => r.PathAndQuery));
        Assert.Equal("<!DOCTYPE html><title>trial 2</title>", File.ReadAllText(Path.Combine(dir, "report.html")));
        Assert.Contains($"wrote the final report of sweep {Id} (with the layer views of trial 2) to {dir}", result.Out);

        var json = await PbmRunner.RunAsync("--server", server.Url, "sweep", "report", Id, "--views=2", "--out", dir, "--json");
        Assert.Equal(0, json.Code);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(2, doc.RootElement.GetProperty("views").GetInt32());
    }

    [Fact]
    public async Task A_trial_the_sweep_lacks_is_exit_1_with_the_coordinators_message_and_writes_nothing()
    {
        using var server = new CannedServer(_ => new(404, Samples.ApiErrorJson($"sweep {Id} has no trial 9: its trials are 0 to 3")));
        var dir = Path.Combine(_dir, "no-trial");
        var result = await PbmRunner.RunAsync("--server", server.Url, "sweep", "report", Id, "--views", "9", "--out", dir);

        Assert.Equal(1, result.Code);
        Assert.Contains("has no trial 9: its trials are 0 to 3", result.Err);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task Help_tells_of_views()
    {
        var help = await PbmRunner.RunAsync("sweep", "report", "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("Usage: pbm sweep report ID [--out DIR] [--views TRIAL] [--json] [--server URL]", help.Out);
        Assert.Contains("--views TRIAL   show trial TRIAL's layer views", help.Out);
        Assert.Contains("?views=TRIAL", help.Out);
        Assert.Contains("report ID [--out DIR] [--views TRIAL]", Usage.Synopsis("sweep"));
        Assert.Contains("[--views TRIAL]", Usage.Synopsis("sweep report")); // what a usage error prints
    }

    [Theory]
    [InlineData(new[] { "sweep", "report", Id, "--views" }, "option --views needs a trial number")]
    [InlineData(new[] { "sweep", "report", Id, "--views", "two" }, "option --views takes a trial number (0 or more, as pbm sweep show lists them), not 'two'")]
    [InlineData(new[] { "sweep", "report", Id, "--views=-1" }, "not '-1'")]
    [InlineData(new[] { "sweep", "show", Id, "--views", "1" }, "option --views is only for pbm sweep report")]
    [InlineData(new[] { "sweep", "report" }, "missing the sweep ID")]
    [InlineData(new[] { "sweep", "report", Id, "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "sweep", "report", Id, "--out" }, "option --out needs a directory")]
    [InlineData(new[] { "sweep", "show", Id, "--out", "x" }, "option --out is only for")]
    public async Task Usage_errors_are_exit_2(string[] args, string message)
    {
        var result = await PbmRunner.RunAsync(args);
        Assert.Equal(2, result.Code);
        Assert.Contains(message, result.Err);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
