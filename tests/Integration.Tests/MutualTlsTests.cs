using System.Net.Http.Json;
using Atelier.Contracts.Api;
using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// Mutual TLS on remoting with real processes: a cluster whose nodes carry certificates from one CA runs a sweep, while
/// a worker with a certificate from another CA and one without TLS try to join and never do; bad TLS files end a
/// process with one line and exit code 3.
/// </summary>
public sealed class MutualTlsTests : IAsyncDisposable
{
    private readonly NodeProcesses _nodes = new("atelier-tls-");

    public ValueTask DisposeAsync() => _nodes.DisposeAsync();

    [Fact(Timeout = 300_000)]
    public async Task Only_nodes_with_a_certificate_from_the_cluster_ca_join_and_the_cluster_works_meanwhile()
    {
        var ct = TestContext.Current.CancellationToken;
        using var ours = new TestCertificateAuthority("atelier-test-ca");
        using var theirs = new TestCertificateAuthority("some-other-ca");
        var node = TestCertificateAuthority.Arguments(ours.WriteNode(Path.Combine(_nodes.Directory, "ours"), "atelier-node"));
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = "tls", Workers = 1, SlotsPerWorker = 1, CoordinatorArguments = node, WorkerArguments = node,
        }, ct);

        var stranger = _nodes.StartWorker("stranger", cluster.SeedNode, TestCertificateAuthority.Arguments(theirs.WriteNode(Path.Combine(_nodes.Directory, "theirs"), "atelier-node")));
        var plain = _nodes.StartWorker("plain", cluster.SeedNode, []);

        // A sweep that runs about 20 s on the one member slot while the two outsiders keep trying.
        var sweep = (await cluster.SubmitAsync("""
            name: tls
            job: synthetic
            method: grid
            metric: {name: loss, goal: minimize}
            parameters:
              x: {values: [0.1, 0.2, 0.3, 0.4]}
              steps: {value: 10}
              step_seconds: {value: 0.5}
            """, ct)).Id;
        var done = await cluster.WaitForSweepAsync(sweep, TimeSpan.FromMinutes(3), cancellationToken: ct);
        Assert.All(done.Trials, t => Assert.Equal(TrialStatus.Completed, t.Status));

        var members = (await cluster.Http.GetFromJsonAsync<ClusterDto>("api/cluster", ApiJson.Options, ct))!.Members;
        Assert.Equal(2, members.Count); // the coordinator and the worker with our certificate
        // The handshake failed, and the side that checked the other's certificate first said why: the coordinator refusing
        // the stranger's, or the stranger refusing the coordinator's (which of the two comes first varies). A failed
        // outbound handshake stops a node (Akka.Remote), so the stranger ends with exit code 79, saying so.
        var refusals = cluster.Coordinator.ReadLog() + stranger.ReadLog();
        Assert.True(refusals.Contains("(issuer 'CN=some-other-ca') is not signed by the cluster's CA ('CN=atelier-test-ca')")
                    || refusals.Contains("(issuer 'CN=atelier-test-ca') is not signed by the cluster's CA ('CN=some-other-ca')"),
            "no refusal naming the foreign CA:\n" + stranger.LogTail());
        Assert.True(await stranger.WaitForExitAsync(TimeSpan.FromSeconds(30)), stranger.LogTail());
        Assert.Equal(79, stranger.ExitCode);
        Assert.Equal(1, stranger.CountInLog("worker: the cluster node stopped itself (TlsHandshakeFailure, exit code 79)"));
        Assert.Equal(0, stranger.CountInLog("joined the cluster"));
        // The worker without TLS never got an answer it could read: it is still trying, alone.
        Assert.False(plain.HasExited, "the worker without TLS stopped trying:\n" + plain.LogTail());
        Assert.Equal(0, plain.CountInLog("joined the cluster"));
        Assert.True(plain.CountInLog("not in the cluster after") >= 1, plain.LogTail());
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "expired", "expired on" },
        { "other-ca", "is not signed by the cluster's CA ('CN=atelier-test-ca')" },
        { "no-key", "cannot read a PEM certificate and its private key" },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(BadFiles))]
    public async Task A_node_with_bad_tls_files_says_which_in_one_line_and_exits_with_code_3(string bad, string words)
    {
        using var ours = new TestCertificateAuthority("atelier-test-ca");
        using var theirs = new TestCertificateAuthority("some-other-ca");
        var files = bad switch
        {
            "expired" => ours.WriteNode(Path.Combine(_nodes.Directory, "ours"), "atelier-node", DateTimeOffset.UtcNow.AddDays(-1)),
            "other-ca" => theirs.WriteNode(Path.Combine(_nodes.Directory, "theirs"), "atelier-node") with
            {
                Authority = ours.WriteNode(Path.Combine(_nodes.Directory, "ours"), "unused").Authority,
            },
            _ => ours.WriteNode(Path.Combine(_nodes.Directory, "ours"), "atelier-node") with { Key = Path.Combine(_nodes.Directory, "missing.key") },
        };
        var worker = _nodes.StartWorker("worker", "akka.tcp://atelier@127.0.0.1:1", TestCertificateAuthority.Arguments(files));
        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(30)), worker.LogTail());
        Assert.Equal(3, worker.ExitCode);
        var lines = worker.ReadLog().Split('\n').Where(l => l.StartsWith("worker: ", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.Contains(words, line);
    }
}
