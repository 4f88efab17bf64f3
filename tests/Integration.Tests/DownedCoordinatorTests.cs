using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// A downed coordinator is out of the cluster for good: it must end with a failure code, so that any supervisor starts
/// it again, and say why. It used to exit with 0, which systemd's <c>Restart=on-failure</c> takes for a requested stop
/// (Kubernetes restarts a pod either way).
/// </summary>
public sealed class DownedCoordinatorTests
{
    [Fact(Timeout = 180_000)]
    public async Task A_coordinator_downed_with_pbm_exits_with_the_downing_code_and_says_so()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions { Name = "downed-coordinator", Workers = 1 }, ct);
        await cluster.ExplainFailuresAsync(async () =>
        {
            var down = await cluster.RunPbmAsync(["cluster", "down", cluster.SeedNode], cancellationToken: ct);
            Assert.True(down.ExitCode == 0, down.ToString());

            Assert.True(await cluster.Coordinator.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the downed coordinator did not exit");
            Assert.Equal(3, cluster.Coordinator.ExitCode);
            Assert.Contains("coordinator: this node was downed", cluster.Coordinator.ReadLog());
        });
    }
}
