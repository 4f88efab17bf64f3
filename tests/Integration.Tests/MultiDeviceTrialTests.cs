using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// <c>resources: {gpus: N}</c> on real processes: two workers of two CPU slots each run a sweep whose trials need two
/// devices beside a one-device sweep, and a sweep needing three devices waits for a node that has them.
/// </summary>
[Collection(SharedClusterCollection.Name)]
public sealed partial class MultiDeviceTrialTests(SharedClusterFixture fixture)
{
    private const string Gang = """
        name: two-devices
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        resources: {gpus: 2}
        parameters:
          x: {values: [0.1, 0.2, 0.3, 0.4]}
          steps: {value: 5}
          step_seconds: {value: 0.4}
        """;

    private const string Single = """
        name: one-device
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        parameters:
          x: {values: [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]}
          steps: {value: 5}
          step_seconds: {value: 0.4}
        """;

    private const string TooLarge = """
        name: three-devices
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        resources: {gpus: 3}
        parameters:
          x: {values: [0.1]}
        """;

    private LocalCluster Cluster => fixture.Cluster;

    [Fact(Timeout = 300_000)]
    public Task Trials_get_their_devices_on_one_node_and_nothing_else_runs_there_meanwhile() => Cluster.ExplainFailuresAsync(async () =>
    {
        var ct = TestContext.Current.CancellationToken;
        var tooLarge = (await Cluster.SubmitAsync(TooLarge, ct)).Id;
        var gang = (await Cluster.SubmitAsync(Gang, ct)).Id;
        var single = (await Cluster.SubmitAsync(Single, ct)).Id;

        var gangSweep = await Cluster.WaitForSweepAsync(gang, TimeSpan.FromSeconds(120), cancellationToken: ct);
        var singleSweep = await Cluster.WaitForSweepAsync(single, TimeSpan.FromSeconds(120), cancellationToken: ct);
        Expect.AllCompletedWithCorrectLoss(gangSweep, 4);
        Expect.AllCompletedWithCorrectLoss(singleSweep, 6);
        // The job reports how many devices its context held.
        Assert.All(gangSweep.Trials, t => Assert.Equal(2, t.Metrics["devices"]));
        Assert.All(singleSweep.Trials, t => Assert.Equal(1, t.Metrics["devices"]));

        // While a two-device trial ran on a node, no other trial ran there (times from the sweeps' journals; a slot
        // frees its devices before the sweep records the end, so a next start may precede a recorded end slightly).
        var gangRuns = await Runs(gang, ct);
        var singleRuns = await Runs(single, ct);
        Assert.All(gangRuns, r => Assert.Contains("and 1 more devices of the node", r.Started));
        var tolerance = TimeSpan.FromSeconds(1);
        foreach (var g in gangRuns)
        {
            foreach (var other in gangRuns.Where(o => o != g).Concat(singleRuns).Where(o => o.Node == g.Node))
            {
                var overlap = Min(g.End, other.End) - Max(g.Start, other.Start);
                Assert.True(overlap < tolerance, $"on {g.Node}, {g} and {other} overlapped for {overlap.TotalSeconds:0.00}s");
            }
        }

        // No node has three devices: that sweep started nothing, and the coordinator said why.
        var waiting = (await Cluster.GetSweepAsync(tooLarge, cancellationToken: ct))!;
        Assert.Equal(SweepStatus.Running, waiting.Status);
        Assert.Equal(1, waiting.Counts.Pending);
        Assert.Contains("needs 3 devices on one node (resources.gpus) but node", Cluster.Coordinator.ReadLog());
        using var cancel = await Cluster.Http.PostAsync($"api/sweeps/{tooLarge}/cancel", null, ct);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
    });

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>Each attempt of the sweep: its node, from its start to its last journal line.</summary>
    private async Task<List<Run>> Runs(string sweepId, CancellationToken ct)
    {
        using var response = await Cluster.Http.GetAsync($"api/sweeps/{sweepId}/logs", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var log = (await response.Content.ReadFromJsonAsync<SweepLogDto>(ApiJson.Options, ct))!;
        return log.Lines
            .Where(l => l is { Trial: not null, Attempt: not null, At: not null })
            .GroupBy(l => (l.Trial!.Value, l.Attempt!.Value))
            .Where(g => g.Any(l => l.Kind == "leased"))
            .Select(g =>
            {
                var leased = g.First(l => l.Kind == "leased");
                return new Run(sweepId, g.Key.Item1, NodeOf().Match(leased.Message).Groups["node"].Value, leased.Message, leased.At!.Value, g.Max(l => l.At!.Value));
            })
            .ToList();
    }

    private sealed record Run(string Sweep, int Trial, string Node, string Started, DateTimeOffset Start, DateTimeOffset End)
    {
        public override string ToString() => $"{Sweep} trial {Trial} ({Start:HH:mm:ss.fff}–{End:HH:mm:ss.fff})";
    }

    // SweepLog: "trial N attempt A started on NODE SLOT (DEVICE…)".
    [GeneratedRegex(@"started on (?<node>\S+) ")]
    private static partial Regex NodeOf();
}
