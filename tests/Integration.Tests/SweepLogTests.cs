using System.Net;
using System.Net.Http.Json;
using Atelier.Contracts.Api;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary><c>GET /api/sweeps/{id}/logs</c> on a real sweep: the journal's events as lines, per sweep and per trial.</summary>
[Collection(SharedClusterCollection.Name)]
public sealed class SweepLogTests(SharedClusterFixture fixture)
{
    private const string Spec = """
        name: logs
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        max_retries: 1
        parameters:
          x: {values: [0.1, 0.2]}
          steps: {value: 3}
          checkpoint_every: {value: 3}
          fail_probability: {values: [0.0]}
        """;

    private LocalCluster Cluster => fixture.Cluster;

    [Fact(Timeout = 300_000)]
    public Task A_sweeps_log_tells_each_trials_story_in_order() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var id = (await Cluster.SubmitAsync(Spec, ct)).Id;
        var sweep = await Cluster.WaitForSweepAsync(id, TimeSpan.FromSeconds(120), cancellationToken: ct);

        var all = await Logs($"api/sweeps/{id}/logs", ct);
        Assert.Equal("created", all.Lines[0].Kind);
        Assert.Contains("job synthetic, method grid, 2 trials", all.Lines[0].Message);
        Assert.True(all.Lines.Zip(all.Lines.Skip(1)).All(p => p.First.Sequence < p.Second.Sequence), "lines out of journal order");
        Assert.DoesNotContain(all.Lines, l => l.Kind == "metrics");
        foreach (var trial in sweep.Trials)
        {
            var kinds = all.Lines.Where(l => l.Trial == trial.Index).Select(l => l.Kind).ToList();
            Assert.Equal(["leased", "artifact", "finished"], kinds);
            var finished = all.Lines.Single(l => l.Trial == trial.Index && l.Kind == "finished");
            Assert.Contains($"loss={trial.Metrics["loss"].ToString("G6", System.Globalization.CultureInfo.InvariantCulture)}", finished.Message);
        }

        // One trial: its own lines only, with its metrics.
        var one = await Logs($"api/sweeps/{id}/logs?trial=1", ct);
        Assert.Equal(1, one.Trial);
        Assert.All(one.Lines, l => Assert.Equal(1, l.Trial));
        Assert.Equal("leased", one.Lines[0].Kind);
        Assert.Equal("finished", one.Lines[^1].Kind);
        Assert.Equal(["artifact", "finished", "leased", "metrics"], one.Lines.Select(l => l.Kind).Distinct().Order());
        Assert.Contains(one.Lines, l => l.Kind == "metrics" && l.Message.Contains("step 3: loss="));

        // pbm prints the same lines; a trial that does not exist is an error naming it (exit 1).
        var pbm = await Pbm.RunAsync(["sweep", "logs", id, "0", "--server", Cluster.ApiUrl.ToString()], TimeSpan.FromSeconds(60), RepoLayout.Root, ct);
        Assert.True(pbm.ExitCode == 0, pbm.ToString());
        var zero = await Logs($"api/sweeps/{id}/logs?trial=0", ct);
        // Each printed line: the time (23 characters), two spaces, the kind in 9, two spaces, the message.
        Assert.Equal(zero.Lines.Select(l => l.Message), pbm.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[36..]));
        var bad = await Pbm.RunAsync(["sweep", "logs", id, "9", "--server", Cluster.ApiUrl.ToString()], TimeSpan.FromSeconds(60), RepoLayout.Root, ct);
        Assert.True(bad.ExitCode == 1 && bad.Stderr.Contains("has no trial 9"), bad.ToString());

        // Errors name the problem.
        using var missingTrial = await Cluster.Http.GetAsync($"api/sweeps/{id}/logs?trial=7", ct);
        Assert.Equal(HttpStatusCode.NotFound, missingTrial.StatusCode);
        Assert.Contains("has no trial 7: its trials are 0 to 1", await missingTrial.Content.ReadAsStringAsync(ct));
        using var missingSweep = await Cluster.Http.GetAsync("api/sweeps/nothing-20260101-000000/logs", ct);
        Assert.Equal(HttpStatusCode.NotFound, missingSweep.StatusCode);
    });

    private async Task<SweepLogDto> Logs(string path, CancellationToken ct)
    {
        using var response = await Cluster.Http.GetAsync(path, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SweepLogDto>(ApiJson.Options, ct))!;
    }
}
