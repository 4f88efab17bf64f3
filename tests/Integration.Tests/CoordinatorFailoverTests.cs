using System.Net;
using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// Three coordinators sharing a PostgreSQL journal and an artifact directory, one worker: kill -9 of the coordinator
/// that hosts a running sweep moves the sweep to a surviving coordinator (sharding, remember-entities, the split-brain
/// resolver's keep-majority over coordinators), which recovers it from the journal and finishes it, losing and
/// duplicating nothing.
/// </summary>
public sealed class CoordinatorFailoverTests
{
    private const int Steps = 16;

    // 6 trials of 16 × 0.25 s = 4 s each on 2 slots, a checkpoint every step.
    private const string Spec = """
        name: coordinator-failover
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        parameters:
          x: {values: [0.1, 0.3, 0.5]}
          lr: {values: [0.01, 0.001]}
          steps: {value: 16}
          step_seconds: {value: 0.25}
          checkpoint_every: {value: 1}
        """;

    [Fact(Timeout = 300_000)]
    public async Task A_sweep_moves_to_a_surviving_coordinator_when_its_host_is_killed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var postgres = await TestPostgres.CreateSchemaAsync("atelier_failover", ct);
        var artifacts = Directory.CreateTempSubdirectory("atelier-failover-artifacts-");
        try
        {
            await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
            {
                Name = "coordinator-failover",
                Workers = 1,
                LeaseTimeout = TimeSpan.FromSeconds(10),
                CoordinatorArguments = ["--postgres", postgres.ConnectionString, "--artifacts-dir", artifacts.FullName],
            }, ct);
            await cluster.ExplainFailuresAsync(async () =>
            {
                var replicas = new[] { await cluster.StartCoordinatorReplicaAsync(2, ct), await cluster.StartCoordinatorReplicaAsync(3, ct) };
                await WaitForMembersUpAsync(cluster.Http, [.. replicas.Select(r => r.Address), cluster.SeedNode], ct);

                var id = (await cluster.SubmitAsync(Spec, ct)).Id;
                // The node whose shard region runs the sweep entity logs its creation.
                var coordinators = new List<(ClusterProcess Process, HttpClient Http)> { (cluster.Coordinator, cluster.Http) };
                coordinators.AddRange(replicas.Select(r => (r.Process, r.Http)));
                var hostProcess = await Poll.UntilAsync(_ => Task.FromResult(coordinators.Select(c => c.Process)
                        .FirstOrDefault(p => p.ReadLog().Contains($"sweep {id} created", StringComparison.Ordinal))),
                    TimeSpan.FromSeconds(30), $"a coordinator to log the creation of {id}", cancellationToken: ct);
                var host = coordinators.Single(c => c.Process == hostProcess);
                var survivor = coordinators.First(c => c.Process != host.Process);

                var beforeKill = await WaitForAsync(survivor.Http, id,
                    s => s.Trials.Count(t => t.Status == TrialStatus.Running && (t.Artifacts ?? []).Any(a => a.Kind == ArtifactInfo.Checkpoint && a.Step >= 2)) == 2,
                    TimeSpan.FromSeconds(60), ct);
                await host.Process.KillAsync();
                var completedBefore = beforeKill.Trials.Where(t => t.Status == TrialStatus.Completed).ToList();

                // The failure detector and the resolver's stable-after (20 s) remove the dead coordinator; its shards move.
                var sweep = await WaitForAsync(survivor.Http, id, s => s.Status == SweepStatus.Completed, TimeSpan.FromSeconds(150), ct, history: true);
                Expect.AllCompletedWithCorrectLoss(sweep, 6);
                Expect.BestIsSmallestLoss(sweep);
                foreach (var done in completedBefore)
                    Assert.Equal(Expect.Json(done with { History = null }), Expect.Json(sweep.Trials.Single(t => t.Index == done.Index) with { History = null }));
                Assert.All(coordinators.Where(c => c.Process != host.Process), c => Assert.False(c.Process.HasExited, $"{c.Process.Describe()} exited"));
            });
        }
        finally
        {
            artifacts.Delete(recursive: true);
        }
    }

    private static async Task WaitForMembersUpAsync(HttpClient http, IReadOnlyList<string> addresses, CancellationToken ct) =>
        await Poll.UntilAsync(async token =>
            {
                using var response = await http.GetAsync("api/cluster", token);
                if (response.StatusCode != HttpStatusCode.OK) return false;
                var cluster = JsonSerializer.Deserialize<ClusterDto>(await response.Content.ReadAsStringAsync(token), ApiJson.Options)!;
                return addresses.All(a => cluster.Members.Any(m => m.Address == a && m.Status == "Up" && m.Reachable));
            },
            TimeSpan.FromSeconds(60), "every coordinator to be Up", cancellationToken: ct);

    private static async Task<SweepDto> WaitForAsync(HttpClient http, string id, Func<SweepDto, bool> until, TimeSpan timeout, CancellationToken ct, bool history = false)
    {
        SweepDto? last = null;
        try
        {
            return await Poll.UntilAsync(async token =>
                {
                    using var response = await http.GetAsync($"api/sweeps/{id}{(history ? "?history=true" : "")}", token);
                    if (response.StatusCode != HttpStatusCode.OK) return null; // e.g. while its shard moves
                    last = JsonSerializer.Deserialize<SweepDto>(await response.Content.ReadAsStringAsync(token), ApiJson.Options);
                    return last is not null && until(last) ? last : null;
                },
                timeout, $"sweep {id}", cancellationToken: ct);
        }
        catch (TimeoutException e) when (last is not null)
        {
            throw new TimeoutException($"{e.Message}; last seen: {last.Status}, {last.Counts}", e);
        }
    }
}
