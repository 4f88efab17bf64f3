using System.Text.Json;
using Atelier.Contracts.Api;
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
        // x and y vary; lr and steps are the same in every trial: listed once above the table, not as columns.
        Assert.Equal(["#", "STATUS", "x", "y", "loss", "ATTEMPTS", "ERROR"], header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("fixed:    lr=0.01, steps=5", lines);
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

    [Fact(Timeout = 300_000)]
    public Task Extend_with_a_wider_grid_runs_only_the_new_configurations() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var submitted = await Cluster.SubmitAsync("""
            name: pbm-extend-grid
            job: synthetic
            method: grid
            metric: {name: loss, goal: minimize}
            parameters:
              x: {values: [0.1, 0.3]}
              y: {values: [-0.2, 0.0]}
              lr: {value: 0.01}
              steps: {value: 3}
            """, ct);
        var first = await Cluster.WaitForSweepAsync(submitted.Id, TimeSpan.FromSeconds(120), cancellationToken: ct);
        Expect.AllCompletedWithCorrectLoss(first, 4);

        // x gains 0.5: two configurations the sweep has not run; the four it has stay as they are.
        var file = Path.Combine(Cluster.Directory, "pbm-extend-wider.yaml");
        await File.WriteAllTextAsync(file, """
            name: pbm-extend-grid
            job: synthetic
            method: grid
            metric: {name: loss, goal: minimize}
            parameters:
              x: {values: [0.1, 0.3, 0.5]}
              y: {values: [-0.2, 0.0]}
              lr: {value: 0.01}
              steps: {value: 3}
            """, ct);
        var extend = await Cluster.RunPbmAsync(["sweep", "extend", submitted.Id, file], cancellationToken: ct);
        Assert.True(extend.ExitCode == 0, extend.ToString());
        Assert.StartsWith($"sweep {submitted.Id} extended with 2 trials", extend.Stdout, StringComparison.Ordinal);

        var sweep = await Cluster.WaitForSweepAsync(submitted.Id, TimeSpan.FromSeconds(120), cancellationToken: ct);
        Expect.AllCompletedWithCorrectLoss(sweep, 6);
        Expect.BestIsSmallestLoss(sweep);
        // No configuration twice, and the first four trials are the ones that ran before the extension.
        var configurations = sweep.Trials.Select(t => (t.Parameters["x"].ToString(), t.Parameters["y"].ToString())).ToList();
        Assert.Equal(6, configurations.Distinct().Count());
        Assert.Equal(Expect.Json(first.Trials.OrderBy(t => t.Index)), Expect.Json(sweep.Trials.Where(t => t.Index < 4).OrderBy(t => t.Index)));
        Assert.All(sweep.Trials.Where(t => t.Index >= 4), t => Assert.Equal(0.5, t.Parameters["x"].AsDouble()));
        // The workers ran each trial once: the old ones were not run again.
        var started = Cluster.Workers.SelectMany(w => w.TrialsStarted(submitted.Id)).Select(s => s.Trial).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 6), started);

        // The same spec again adds nothing: the coordinator refuses, pbm says why and exits 1.
        var again = await Cluster.RunPbmAsync(["sweep", "extend", submitted.Id, file], cancellationToken: ct);
        Assert.True(again.ExitCode == 1, again.ToString());
        Assert.Contains("adds no trial", again.Stderr, StringComparison.Ordinal);
        Assert.Equal("", again.Stdout);
    });

    [Fact(Timeout = 300_000)]
    public Task Pause_lets_running_trials_finish_and_starts_none_until_resume() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        // 12 trials of about 3 s on the shared cluster's 4 slots: a pause soon after the start leaves most pending.
        var submitted = await Cluster.SubmitAsync("""
            name: pbm-pause-grid
            job: synthetic
            method: grid
            metric: {name: loss, goal: minimize}
            parameters:
              x: {values: [-0.5, 0.1, 0.3, 1.0]}
              y: {values: [-0.2, 0.0, 0.6]}
              lr: {value: 0.01}
              steps: {value: 6}
              step_seconds: {value: 0.5}
            """, ct);
        await Cluster.WaitForSweepAsync(submitted.Id, TimeSpan.FromSeconds(60), s => s.Counts.Running > 0, "a trial to start",
            cancellationToken: ct, interval: TimeSpan.FromMilliseconds(100));

        var pause = await Cluster.RunPbmAsync(["sweep", "pause", submitted.Id], cancellationToken: ct);
        Assert.True(pause.ExitCode == 0, pause.ToString());
        Assert.StartsWith($"sweep {submitted.Id} paused: running trials finish, no new ones start", pause.Stdout, StringComparison.Ordinal);

        // The running trials finish; then, for longer than an idle slot waits between asks for work, none starts.
        var drained = await Cluster.WaitForSweepAsync(submitted.Id, TimeSpan.FromSeconds(60), s => s.Counts.Running == 0,
            "the running trials to finish", cancellationToken: ct, interval: TimeSpan.FromMilliseconds(200));
        Assert.Equal(SweepStatus.Paused, drained.Status);
        Assert.True(drained.Counts.Pending > 0, $"nothing was left to pause: {drained.Counts}");
        var startedBefore = Cluster.Workers.SelectMany(w => w.TrialsStarted(submitted.Id)).Count();
        await Task.Delay(TimeSpan.FromSeconds(5), ct);
        var still = (await Cluster.GetSweepAsync(submitted.Id, cancellationToken: ct))!;
        Assert.Equal(SweepStatus.Paused, still.Status);
        Assert.Equal(drained.Counts, still.Counts);
        Assert.Equal(startedBefore, Cluster.Workers.SelectMany(w => w.TrialsStarted(submitted.Id)).Count());

        var twice = await Cluster.RunPbmAsync(["sweep", "pause", submitted.Id], cancellationToken: ct);
        Assert.True(twice.ExitCode == 1, twice.ToString());
        Assert.Equal($"pbm: sweep {submitted.Id} is already paused", twice.Stderr.Trim());

        var resume = await Cluster.RunPbmAsync(["sweep", "resume", submitted.Id, "--json"], cancellationToken: ct);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Equal(SweepStatus.Running, JsonSerializer.Deserialize<SweepDto>(resume.Stdout, ApiJson.Options)!.Status);

        var sweep = await Cluster.WaitForSweepAsync(submitted.Id, TimeSpan.FromSeconds(120), cancellationToken: ct);
        Expect.AllCompletedWithCorrectLoss(sweep, 12);
        var resumeAgain = await Cluster.RunPbmAsync(["sweep", "resume", submitted.Id], cancellationToken: ct);
        Assert.True(resumeAgain.ExitCode == 1, resumeAgain.ToString());
        Assert.Contains("is not paused", resumeAgain.Stderr, StringComparison.Ordinal);
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
