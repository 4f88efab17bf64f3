using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli.Tests;

public class SweepShowTests
{
    private static string Render(SweepDto sweep, bool color = false)
    {
        var writer = new StringWriter { NewLine = "\n" };
        SweepShowCommand.Write(sweep, writer, new Styler(color), TimeZoneInfo.Utc);
        return writer.ToString();
    }

    private static string[] TableLines(string output) =>
        output.Split('\n').SkipWhile(l => !l.TrimStart().StartsWith("#  STATUS", StringComparison.Ordinal))
            .Where(l => l.Length > 0).ToArray();

    [Fact]
    public void Header_names_the_sweep_metric_counts_and_best_trial()
    {
        var output = Render(Samples.Sweep());
        var header = output.Split('\n').TakeWhile(l => l.Length > 0).ToArray();
        Assert.Equal(
            [
                "sweep:    synthetic-grid-20260102-abc123",
                "name:     synthetic-grid",
                "job:      synthetic",
                "method:   grid",
                "metric:   loss (minimize)",
                "status:   completed (finished 2026-01-02 03:07:17, took 3m12s)",
                "trials:   4 total: 3 completed, 1 failed",
                "best:     #1  loss=1.5E-07  (x=0.3, steps=5, opt=adam)",
                "fixed:    opt=adam",
                "created:  2026-01-02 03:04:05",
            ],
            header);
    }

    [Fact]
    public void Trial_table_has_a_column_per_varying_parameter_and_the_sweeps_metric_sorted_by_index()
    {
        var lines = TableLines(Render(Samples.Sweep()));
        var headers = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // opt is the same in every trial (it is a fixed setting above the table); acc is not a metric of the synthetic job.
        Assert.Equal(["#", "STATUS", "x", "steps", "loss", "ATTEMPTS", "ERROR"], headers);
        Assert.Equal(5, lines.Length);
        Assert.Equal(["0", "1", "2", "10"], lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));
    }

    [Fact]
    public void Each_column_of_numbers_is_written_alike_and_right_aligned()
    {
        var lines = TableLines(Render(Samples.Sweep()));
        var expected = new[]
        {
            " #  STATUS           x  steps     loss  ATTEMPTS  ERROR",
            " 0  completed     1e-1      5  1.23e-1         1",
            " 1  completed     3e-1      5   1.5e-7         1",
            " 2  failed        5e-1     10        -         3  CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79...",
            "10  completed  1.23e+6    100  1.23e+7         1",
        };
        Assert.Equal(expected, lines);
    }

    [Fact]
    public void Metrics_chosen_with_options_and_a_parameter_named_like_a_metric_is_headed_param()
    {
        var sweep = Samples.Sweep();
        // A parameter called acc: the metric acc exists too.
        sweep = sweep with { Trials = sweep.Trials.Select(t => t with { Parameters = new Dictionary<string, Contracts.Specs.ParamValue>(t.Parameters) { ["acc"] = Contracts.Specs.ParamValue.Of((long)t.Index) } }).ToList() };
        string Headers(MetricChoice choice)
        {
            var writer = new StringWriter { NewLine = "\n" };
            SweepShowCommand.Write(sweep, writer, new Styler(false), TimeZoneInfo.Utc, TrialColumns.For(sweep, choice).Columns);
            return string.Join(' ', TableLines(writer.ToString())[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        Assert.Equal("# STATUS x steps param.acc loss ATTEMPTS ERROR", Headers(MetricChoice.Default));
        Assert.Equal("# STATUS x steps param.acc loss acc ATTEMPTS ERROR", Headers(new MetricChoice(All: true)));
        Assert.Equal("# STATUS x steps param.acc acc ATTEMPTS ERROR", Headers(new MetricChoice(["acc"])));
        Assert.Equal("this sweep has no metric accuracy or lost; its metrics are: acc, loss", TrialColumns.For(sweep, new MetricChoice(["accuracy", "acc", "lost"])).Error);
    }

    [Fact]
    public async Task An_unknown_metric_column_lists_the_known_ones()
    {
        var sweep = Samples.Sweep();
        using var server = new CannedServer(_ => new(200, Samples.Json(sweep)));
        var run = await PbmRunner.RunAsync("sweep", "show", sweep.Id, "--metrics", "loss,accuracy", "--server", server.Url);
        Assert.Equal(2, run.Code);
        Assert.Equal("pbm: this sweep has no metric accuracy; its metrics are: acc, loss", Assert.Single(run.ErrLines));

        var all = await PbmRunner.RunAsync("sweep", "show", sweep.Id, "--all-metrics", "--server", server.Url);
        Assert.Equal(0, all.Code);
        Assert.Equal(["#", "STATUS", "x", "steps", "loss", "acc", "ATTEMPTS", "ERROR"], TableLines(all.Out)[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var both = await PbmRunner.RunAsync("sweep", "show", sweep.Id, "--all-metrics", "--metrics", "loss", "--server", server.Url);
        Assert.Equal(2, both.Code);
        Assert.Contains("options --metrics and --all-metrics do not go together", both.Err);
        var elsewhere = await PbmRunner.RunAsync("sweep", "list", "--all-metrics", "--server", server.Url);
        Assert.Equal(2, elsewhere.Code);
        Assert.Contains("option --all-metrics is only for pbm sweep show", elsewhere.Err);
    }

    [Fact]
    public void Errors_are_truncated_to_one_line()
    {
        var lines = TableLines(Render(Samples.Sweep()));
        var failed = lines.Single(l => l.Contains("failed"));
        var error = failed[failed.IndexOf("CUDA", StringComparison.Ordinal)..];
        Assert.Equal(SweepShowCommand.ErrorWidth, error.Length);
        Assert.EndsWith("...", error);
    }

    [Fact]
    public void Colours_do_not_change_the_alignment()
    {
        var sweep = Samples.Sweep();
        var coloured = Render(sweep, color: true);
        Assert.Contains("\u001b[", coloured);
        var stripped = System.Text.RegularExpressions.Regex.Replace(coloured, "\u001b\\[[0-9;]*m", "");
        Assert.Equal(Render(sweep), stripped);
    }

    [Fact]
    public void A_running_sweep_without_a_best_trial_says_so()
    {
        var sweep = Samples.Sweep(SweepStatus.Running) with { Best = null, FinishedAt = null };
        var output = Render(sweep);
        Assert.Contains("status:   running\n", output);
        Assert.Contains("best:     none yet\n", output);
        Assert.Contains("trials:   4 total: 2 completed, 1 running, 1 failed\n", output);
    }

    [Fact]
    public async Task Show_gets_the_sweep_and_prints_it()
    {
        var sweep = Samples.Sweep();
        using var server = new CannedServer(_ => new(200, Samples.Json(sweep)));

        var run = await PbmRunner.RunAsync("sweep", "show", sweep.Id, "--server", server.Url);

        Assert.Equal(0, run.Code);
        Assert.Equal("", run.Err);
        Assert.Equal(Render(sweep), run.Out);
        var request = Assert.Single(server.Requests);
        Assert.Equal(("GET", $"/api/sweeps/{sweep.Id}"), (request.Method, request.PathAndQuery));
    }

    [Fact]
    public async Task Show_json_parses_back_into_the_dto()
    {
        var sweep = Samples.Sweep();
        using var server = new CannedServer(_ => new(200, Samples.Json(sweep)));

        var run = await PbmRunner.RunAsync("sweep", "show", sweep.Id, "--json", "--server", server.Url);

        Assert.Equal(0, run.Code);
        var parsed = JsonSerializer.Deserialize<SweepDto>(run.Out, ApiJson.Options)!;
        Assert.Equal(Samples.Json(sweep), Samples.Json(parsed));
        Assert.Equal(sweep.Trials[0].Parameters["x"], parsed.Trials[0].Parameters["x"]);
        Assert.Equal(sweep.Best!.Index, parsed.Best!.Index);
    }

    [Fact]
    public async Task Not_found_exits_1_with_the_servers_message()
    {
        using var server = new CannedServer(_ => new(404, Samples.ApiErrorJson("no sweep with id 'nope' (see `pbm sweep list`)")));
        var run = await PbmRunner.RunAsync("sweep", "show", "nope", "--server", server.Url);
        Assert.Equal(1, run.Code);
        Assert.Equal("", run.Out);
        Assert.Equal("pbm: no sweep with id 'nope' (see `pbm sweep list`)", Assert.Single(run.ErrLines));
    }

    [Fact]
    public async Task An_impossible_id_is_a_usage_error_checked_locally()
    {
        var run = await PbmRunner.RunAsync("sweep", "show", "Bad/Id", "--server", $"127.0.0.1:{PbmRunner.ClosedPort()}");
        Assert.Equal(2, run.Code);
        Assert.Contains("'Bad/Id' is not a sweep id", run.Err);
    }

    [Fact]
    public async Task Json_the_server_does_not_speak_is_reported()
    {
        using var server = new CannedServer(_ => new(200, "{\"id\": 42}"));
        var run = await PbmRunner.RunAsync("sweep", "show", "abc", "--server", server.Url);
        Assert.Equal(1, run.Code);
        Assert.Contains("with JSON that pbm does not understand", Assert.Single(run.ErrLines));
    }
}
