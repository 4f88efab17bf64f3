using Atelier.Testing;

namespace Atelier.Integration.Tests;

/// <summary>
/// The real processes screen their command lines before they start a node: a mistyped option is refused by name with
/// exit code 2 instead of being ignored, and <c>--help</c> lists the settings instead of starting a node.
/// </summary>
public sealed class NodeArgumentsTests : IAsyncDisposable
{
    private readonly NodeProcesses _nodes = new("atelier-args-");

    public ValueTask DisposeAsync() => _nodes.DisposeAsync();

    private async Task<(int? ExitCode, string Log)> RunAsync(string name, string dll, params string[] args)
    {
        var process = _nodes.Start(name, dll, args);
        Assert.True(await process.WaitForExitAsync(TimeSpan.FromSeconds(30)), process.LogTail());
        return (process.ExitCode, process.ReadLog());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_mistyped_option_is_refused_by_name_before_anything_starts()
    {
        var worker = await RunAsync("worker", RepoLayout.WorkerDll, "--device", "cpu", "--cpu-slot", "2");
        var coordinator = await RunAsync("coordinator", RepoLayout.CoordinatorDll, "--api-prot", "9110");

        Assert.Equal(2, worker.ExitCode);
        Assert.Contains("worker: unknown option '--cpu-slot' (did you mean '--cpu-slots'?)", worker.Log);
        Assert.Equal(2, coordinator.ExitCode);
        Assert.Contains("coordinator: unknown option '--api-prot' (did you mean '--api-port'?)", coordinator.Log);
        Assert.DoesNotContain("Remoting started", worker.Log + coordinator.Log);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_directory_the_process_cannot_write_is_refused_by_name_before_anything_starts()
    {
        // Under a regular file: no user can make it, root included (a chmod would not stop root).
        var file = Path.Combine(_nodes.Directory, "a-file");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);
        var blocked = Path.Combine(file, "data");

        var worker = await RunAsync("worker", RepoLayout.WorkerDll, "--device", "cpu", "--data-dir", blocked);
        var coordinator = await RunAsync("coordinator", RepoLayout.CoordinatorDll, "--artifacts-dir", blocked);

        Assert.Equal(2, worker.ExitCode);
        Assert.Contains($"worker: --data-dir / ATELIER_DATA_DIR = '{blocked}' is not valid: expected a directory user ", worker.Log);
        Assert.Equal(2, coordinator.ExitCode);
        Assert.Contains($"coordinator: --artifacts-dir / ATELIER_ARTIFACTS_DIR = '{blocked}' is not valid: expected a directory user ", coordinator.Log);
        Assert.DoesNotContain("Remoting started", worker.Log + coordinator.Log);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_killed_workers_membership_file_is_cleared_before_its_node_starts()
    {
        // A worker killed with SIGKILL leaves the file its probes test for; the next process must not inherit it, even
        // when its own node never starts (here: the remoting port is taken), or the pod would look ready.
        var data = Path.Combine(_nodes.Directory, "worker-data");
        Directory.CreateDirectory(data);
        var stale = Path.Combine(data, "cluster-member");
        await File.WriteAllTextAsync(stale, "akka.tcp://atelier@127.0.0.1:1\n", TestContext.Current.CancellationToken);
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var worker = await RunAsync("worker", RepoLayout.WorkerDll, "--device", "cpu", "--data-dir", data, "--port", port);

        Assert.Equal(1, worker.ExitCode);
        Assert.Contains("worker: cannot start", worker.Log);
        Assert.False(File.Exists(stale), "the dead process's membership file is still there");
    }

    [Fact(Timeout = 60_000)]
    public async Task Help_lists_the_settings_and_starts_no_node()
    {
        var worker = await RunAsync("worker", RepoLayout.WorkerDll, "--help");

        Assert.Equal(0, worker.ExitCode);
        Assert.Contains("--seed-nodes", worker.Log);
        Assert.Contains("ATELIER_CPU_SLOTS", worker.Log);
        Assert.DoesNotContain("Remoting started", worker.Log);
    }
}
