using System.Text.Json;
using Atelier.Shared.Api;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>The real <c>pbm</c> process against the real coordinator.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class PbmTests(SharedClusterFixture fixture)
{
    private LocalCluster Cluster => fixture.Cluster;

    [Fact(Timeout = 300_000)]
    public Task Submit_wait_list_and_show_the_example_sweep() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var submit = await Cluster.RunPbmAsync(["sweep", "submit", "examples/synthetic-grid.yaml", "--wait", "--json"], cancellationToken: ct);
        Assert.True(submit.ExitCode == 0, submit.ToString());
        var sweep = JsonSerializer.Deserialize<SweepDto>(submit.Stdout, ApiJson.Options)!;
        Assert.Equal("synthetic-grid", sweep.Name);
        Expect.AllCompletedWithCorrectLoss(sweep, 9);
        Expect.BestIsSmallestLoss(sweep);
        Assert.Equal(0.0, sweep.Best!.Metrics["loss"], 1e-9); // the example's grid holds the optimum

        var list = await Cluster.RunPbmAsync(["sweep", "list", "--json"], cancellationToken: ct);
        Assert.True(list.ExitCode == 0, list.ToString());
        var summaries = JsonSerializer.Deserialize<List<SweepSummaryDto>>(list.Stdout, ApiJson.Options)!;
        var summary = Assert.Single(summaries, s => s.Id == sweep.Id);
        Assert.Equal(new TrialCountsDto(9, 0, 0, 9, 0), summary.Counts);

        var show = await Cluster.RunPbmAsync(["sweep", "show", sweep.Id], cancellationToken: ct);
        Assert.True(show.ExitCode == 0, show.ToString());
        var lines = show.Stdout.Split('\n').Select(l => l.TrimEnd()).ToList();
        Assert.Contains(sweep.Id, show.Stdout, StringComparison.Ordinal);
        var header = Assert.Single(lines, l => l.TrimStart().StartsWith("#", StringComparison.Ordinal) && l.Contains("STATUS"));
        foreach (var column in new[] { "x", "y", "lr", "steps", "loss", "ATTEMPTS" })
            Assert.Contains(column, header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        foreach (var trial in sweep.Trials)
        {
            // A row: the index, then "completed", then the parameter values.
            var row = Assert.Single(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var i, "completed", ..]
                && i == trial.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Contains(trial.Parameters["x"].ToString(), row, StringComparison.Ordinal);
        }
    });

    [Fact(Timeout = 120_000)]
    public Task Submit_of_an_invalid_spec_exits_2_and_sends_nothing() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var before = (await Cluster.ListSweepsAsync(ct)).Select(s => s.Id).Order().ToList();
        var file = Path.Combine(Cluster.Directory, "invalid.yaml");
        await File.WriteAllTextAsync(file, """
            name: invalid
            job: synthetic
            method: grid
            metric: {name: loss, goal: minimize}
            parameters:
              x: {values: []}
            """, ct);

        var result = await Cluster.RunPbmAsync(["sweep", "submit", file, "--wait"], cancellationToken: ct);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("parameters.x.values", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 6", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
        Assert.Equal(before, (await Cluster.ListSweepsAsync(ct)).Select(s => s.Id).Order().ToList());
    });

    [Fact(Timeout = 120_000)]
    public async Task A_server_that_is_down_gives_exit_1_and_one_line()
    {
        var ct = TestContext.Current.CancellationToken;
        var nobody = $"http://127.0.0.1:{FreePorts.Next()}";
        foreach (var args in new[] { new[] { "sweep", "list" }, ["sweep", "show", "some-sweep-20260101-000000"], ["sweep", "submit", "examples/synthetic-grid.yaml"] })
        {
            var result = await Pbm.RunAsync(["--server", nobody, .. args], TimeSpan.FromSeconds(60), RepoLayout.Root, ct);
            Assert.True(result.ExitCode == 1, result.ToString());
            var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("pbm: ", line, StringComparison.Ordinal);
            Assert.Contains(nobody, line, StringComparison.Ordinal);
            Assert.Equal("", result.Stdout);
        }
    }
}
