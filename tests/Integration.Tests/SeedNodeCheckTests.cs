using System.Globalization;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// A worker started with seed nodes it cannot reach says why in one line per check, with growing pauses and no stack
/// traces, keeps running, and joins once a coordinator listens at a seed address.
/// </summary>
public sealed class SeedNodeCheckTests : IAsyncDisposable
{
    private readonly NodeProcesses _nodes = new("atelier-seed-check-");

    public ValueTask DisposeAsync() => _nodes.DisposeAsync();

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact(Timeout = 180_000)]
    public async Task A_worker_with_unreachable_seeds_says_why_in_one_line_keeps_trying_and_joins_when_a_coordinator_comes()
    {
        var ct = TestContext.Current.CancellationToken;
        var (coordinatorPort, apiPort) = (FreePorts.Next(), FreePorts.Next());
        var seeds = $"akka.tcp://atelier@no-such-coordinator.invalid:4053,akka.tcp://atelier@127.0.0.1:{coordinatorPort}";
        var worker = _nodes.StartWorker("worker", seeds);

        // Checks at about 5 s and 15 s (the pause doubles): by 25 s two lines, each naming both seeds and why.
        await Poll.UntilAsync(_ => Task.FromResult(worker.CountInLog("not in the cluster after") >= 2), TimeSpan.FromSeconds(40), "two seed-node checks", cancellationToken: ct);
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var log = worker.ReadLog();
        var lines = log.Split('\n').Where(l => l.Contains("not in the cluster after", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        foreach (var line in lines)
        {
            Assert.Contains("seed node akka.tcp://atelier@no-such-coordinator.invalid:4053: host no-such-coordinator.invalid does not resolve", line);
            Assert.Contains($"seed node akka.tcp://atelier@127.0.0.1:{coordinatorPort}: 127.0.0.1 (127.0.0.1) port {coordinatorPort} refuses connections", line);
        }
        Assert.Contains("next check in 10 s", lines[0]);
        Assert.Contains("next check in 20 s", lines[1]);
        Assert.False(worker.HasExited, "the worker exited instead of retrying:\n" + worker.LogTail());
        Assert.DoesNotContain(log.Split('\n'), l => l.StartsWith("   at ", StringComparison.Ordinal)); // no stack traces
        Assert.DoesNotContain("AssociationError", log);
        var membership = Path.Combine(_nodes.Directory, "worker", "cluster-member"); // kept only while Up: the probes' file
        Assert.False(File.Exists(membership));

        // A coordinator at the second seed address: the worker joins it and says so.
        _nodes.Start("coordinator", RepoLayout.CoordinatorDll,
            ["--port", Invariant(coordinatorPort), "--api-port", Invariant(apiPort), "--data-dir", Path.Combine(_nodes.Directory, "coordinator")]);
        await Poll.UntilAsync(_ => Task.FromResult(worker.CountInLog("joined the cluster") == 1), TimeSpan.FromSeconds(60), "the worker joins", cancellationToken: ct);
        await Poll.UntilAsync(_ => Task.FromResult(File.Exists(membership)), TimeSpan.FromSeconds(10), "the membership file", cancellationToken: ct);
        Assert.StartsWith("akka.tcp://atelier@127.0.0.1:", File.ReadAllText(membership));
    }
}
