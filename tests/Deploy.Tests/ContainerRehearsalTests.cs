using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Atelier.Deploy.Tests.Support;
using Atelier.Contracts.Api;
using Atelier.Testing;
using Npgsql;

namespace Atelier.Deploy.Tests;

/// <summary>
/// The <c>local</c> overlay rehearsed in containers: the images docker/build-local.sh builds, run by podman with what
/// <c>kubectl kustomize k8s/overlays/local</c> gives each pod (one coordinator, the worker Deployment's replicas), a
/// sweep submitted with pbm from this machine, a worker killed with SIGKILL and restarted as its pod would be, the
/// coordinator stopped as the kubelet stops it and restarted; every trial must end with its whole history.
/// </summary>
/// <remarks>
/// Pods get their own addresses on a podman bridge network and the StatefulSet's DNS names through /etc/hosts (there is
/// no cluster DNS). The database is a private PostgreSQL server of this test with the overlay's user, password and
/// database; only the connection string's host and port point at it (through <see cref="TcpRelay"/>), since the
/// overlay's own PostgreSQL image (postgres:17.5) cannot be fetched here. Needs root, podman, runc and debootstrap
/// (test.sh installs them).
/// </remarks>
public sealed class ContainerRehearsalTests(ITestOutputHelper output)
{
    private const string Network = "atelier-rehearsal";
    private const string Subnet = "10.89.42";
    private const string HeadlessService = "atelier-coordinator-headless";

    // 8 trials of 48 × 0.25 s with a checkpoint every 4 steps on 2 one-slot workers: about a minute, long enough to
    // kill a worker and restart the coordinator while trials run.
    private const string SyntheticSpec = """
        name: rehearsal
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        checkpoints: {keep_last: 2}
        parameters:
          x: {values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]}
          steps: {value: 48}
          step_seconds: {value: 0.25}
          checkpoint_every: {value: 4}
        """;

    // TorchSharp in the worker image: a small style transfer, pictures back.
    private const string StyleSpec = """
        name: rehearsal-style
        job: style-transfer
        method: grid
        metric: {name: total_loss, goal: minimize}
        parameters:
          size: {value: 32}
          iterations: {value: 6}
          preview_every: {value: 3}
          layer_views: {value: false}
          content_weight: {values: [1, 10]}
        """;

    [Fact(Timeout = 1_800_000)]
    public async Task The_local_overlay_runs_in_containers_and_survives_a_killed_worker_and_a_restarted_coordinator()
    {
        var ct = TestContext.Current.CancellationToken;
        RequireTools();

        var build = Stopwatch.StartNew();
        var (code, _, buildLog) = Repo.Run(Repo.Path("docker", "build-local.sh"), [], timeout: TimeSpan.FromMinutes(25));
        Assert.True(code == 0, $"docker/build-local.sh failed ({code}):\n{Tail(buildLog, 60)}");
        output.WriteLine($"images built in {Podman.Since(build)} s");
        foreach (var image in new[] { "atelier/coordinator:0.1.0", "atelier/worker-cpu:0.1.0" })
            output.WriteLine($"{image}: {Podman.Check(["image", "inspect", "--format", "{{.Size}}", "localhost/" + image])} bytes");

        var local = Rendered.Of("overlays/local");
        var coordinatorName = $"{local.Coordinator.At("metadata/name").Text}-0";
        var root = Directory.CreateTempSubdirectory("atelier-rehearsal-").FullName;
        var coordinator = new PodContainer(local, local.Coordinator, coordinatorName, $"{Subnet}.10", root);
        var replicas = int.Parse(local.Worker.At("spec/replicas").Text!, System.Globalization.CultureInfo.InvariantCulture);
        var workers = Enumerable.Range(0, replicas)
            .Select(i => new PodContainer(local, local.Worker, $"{local.Worker.At("metadata/name").Text}-{i}", $"{Subnet}.{21 + i}", root))
            .ToList();
        var all = workers.Prepend(coordinator).ToList();

        RemoveLeftovers(all);
        PrivatePostgres.ReapOrphans(PrivatePostgres.Parent); // servers of earlier test processes that were killed
        var postgresRoot = Directory.CreateTempSubdirectory("atelier-postgres-").FullName;
        TcpRelay? relay = null;
        try
        {
            Podman.Check(["network", "create", "--subnet", $"{Subnet}.0/24", "--gateway", $"{Subnet}.1", Network]);
            // The overlay's user, password and database on this test's server; host and port point at it.
            var env = coordinator.Environment();
            var overlayDb = new NpgsqlConnectionStringBuilder(env["ATELIER_POSTGRES"]);
            var port = PrivatePostgres.StartServer(postgresRoot, overlayDb.Username, overlayDb.Password);
            await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(overlayDb.ConnectionString)
                         { Host = "127.0.0.1", Port = port, Database = "postgres", Pooling = false }.ConnectionString))
            {
                await admin.OpenAsync(ct);
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{overlayDb.Database}\"", admin);
                await create.ExecuteNonQueryAsync(ct);
            }
            relay = new TcpRelay(port, Subnet);
            overlayDb.Port = relay.Port;
            var coordinatorEnv = coordinator.Environment(new Dictionary<string, string> { ["ATELIER_POSTGRES"] = overlayDb.ConnectionString });
            var token = coordinatorEnv["ATELIER_TOKEN"];
            (string, string)[] hosts = [($"{coordinatorName}.{HeadlessService}", coordinator.Ip), (overlayDb.Host!, $"{Subnet}.1")];

            Podman.Check(coordinator.CreateArguments(Network, coordinatorEnv, hosts));
            foreach (var worker in workers) Podman.Check(worker.CreateArguments(Network, worker.Environment(), hosts));

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await StartAsync(coordinator, http, all, "coordinator", ct);
            foreach (var worker in workers) await StartAsync(worker, http, all, "worker", ct);

            var api = new Uri($"http://{coordinator.Ip}:{coordinator.ContainerPort("api")}/");
            using var client = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(10) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var pbmEnv = new Dictionary<string, string> { ["ATELIER_TOKEN"] = token };
            var specFile = Path.Combine(root, "rehearsal.yaml");
            await File.WriteAllTextAsync(specFile, SyntheticSpec, ct);
            var submit = await Pbm.RunAsync(["sweep", "submit", specFile, "--server", api.ToString(), "--json"], TimeSpan.FromSeconds(60), root, ct, pbmEnv);
            Assert.True(submit.ExitCode == 0, submit.ToString());
            var id = System.Text.Json.JsonDocument.Parse(submit.Stdout).RootElement.GetProperty("id").GetString()!;

            // A worker dies mid-trial (SIGKILL: an OOM kill, a node lost) and its pod restarts it.
            var victim = workers[0];
            var running = await WaitForAsync(client, id, s => s.Trials.FirstOrDefault(t =>
                t.Status == TrialStatus.Running && t.Slot?.Contains(victim.Ip) == true && t.LastStep >= 8), all, ct);
            output.WriteLine($"killing {victim.Name} while it runs trial {running.Index} at step {running.LastStep}");
            Podman.Check(["kill", "--signal", "KILL", victim.Name]);
            await StartAsync(victim, http, all, "worker after SIGKILL", ct, killed: true);

            // The coordinator is stopped as the kubelet stops a pod (preStop hook, SIGTERM, the grace period) and comes back.
            await WaitForAsync(client, id, s => s.Trials.FirstOrDefault(t => t.Status == TrialStatus.Running), all, ct);
            if (coordinator.PreStop.Count > 0) Podman.Check(["exec", coordinator.Name, .. coordinator.PreStop]);
            var stopping = Stopwatch.StartNew();
            Podman.Check(["stop", "--time", coordinator.TerminationGraceSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), coordinator.Name],
                TimeSpan.FromSeconds(coordinator.TerminationGraceSeconds + 30));
            var stopCode = Podman.Check(["inspect", "--format", "{{.State.ExitCode}}", coordinator.Name]);
            output.WriteLine($"coordinator stopped in {Podman.Since(stopping)} s (exit code {stopCode})");
            Assert.True(stopCode == "0", $"the coordinator exited with {stopCode} on SIGTERM\n{Podman.LogTail(coordinator.Name)}");
            await StartAsync(coordinator, http, all, "coordinator after stop", ct);

            var done = await WaitForAsync(client, id, s => s.Status == SweepStatus.Running ? null : s, all, ct, history: true);
            Assert.Equal(SweepStatus.Completed, done.Status);
            Assert.Equal(8, done.Trials.Count);
            foreach (var trial in done.Trials)
            {
                Assert.True(trial.Status == TrialStatus.Completed, $"trial {trial.Index}: {trial.Status} {trial.Error}");
                Assert.True(trial.Metrics.ContainsKey("loss"), $"trial {trial.Index} has no loss");
                Assert.Equal(Enumerable.Range(1, 48).Select(s => (long)s), trial.History!.Select(p => p.Step).Distinct().Order());
            }
            var killed = done.Trials.Single(t => t.Index == running.Index);
            Assert.True(killed.Attempts >= 2, $"trial {killed.Index} was running on the killed worker and has {killed.Attempts} attempt(s)");

            // pbm in the coordinator's image, as kubectl exec runs it, reads the same sweep.
            var show = Podman.Check(["exec", coordinator.Name, "pbm", "sweep", "show", id, "--json"]);
            Assert.Equal(id, System.Text.Json.JsonDocument.Parse(show).RootElement.GetProperty("id").GetString());

            // TorchSharp and LibTorch in the worker image: a small style transfer, with its pictures.
            await File.WriteAllTextAsync(specFile, StyleSpec, ct);
            var style = await Pbm.RunAsync(["sweep", "submit", specFile, "--server", api.ToString(), "--wait", "--json"], TimeSpan.FromMinutes(5), root, ct, pbmEnv);
            Assert.True(style.ExitCode == 0, style + "\n" + string.Join('\n', all.Select(c => Podman.LogTail(c.Name))));
            var styleId = System.Text.Json.JsonDocument.Parse(style.Stdout).RootElement.GetProperty("id").GetString()!;
            var pictures = await client.GetFromJsonAsync<SweepDto>($"api/sweeps/{styleId}", ApiJson.Options, ct);
            Assert.Equal(SweepStatus.Completed, pictures!.Status);
            Assert.Equal(2, pictures.Trials.Count);
            Assert.All(pictures.Trials, t =>
            {
                Assert.Equal(TrialStatus.Completed, t.Status);
                Assert.Contains(t.Artifacts ?? [], a => a.FileName.EndsWith(".png", StringComparison.Ordinal));
            });
        }
        finally
        {
            // Each step whatever the one before did: nothing of this test outlives it.
            RemoveLeftovers(all);
            try
            {
                if (relay is not null) await relay.DisposeAsync();
            }
            finally
            {
                PrivatePostgres.Stop(postgresRoot);
                Directory.Delete(root, recursive: true);
            }
        }
    }

    /// <summary>
    /// Starts a container and waits for its readiness probe to pass; reports container start → ready. After a SIGKILL
    /// (<paramref name="killed"/>) the probe must fail once first: a killed worker's membership file outlives it in
    /// its volume until the new process clears it, and that stale answer is not the new process being ready.
    /// </summary>
    private async Task StartAsync(PodContainer pod, HttpClient http, IReadOnlyList<PodContainer> all, string what, CancellationToken ct,
        bool killed = false)
    {
        var started = Stopwatch.StartNew();
        Podman.Check(["start", pod.Name]);
        var failedOnce = !killed;
        while (true)
        {
            var ready = await pod.ReadyAsync(http, ct);
            if (ready && failedOnce) break;
            failedOnce |= !ready;
            if (started.Elapsed > TimeSpan.FromMinutes(3))
                Assert.Fail($"{pod.Name} was not ready 3 minutes after its start\n{string.Join('\n', all.Select(c => Podman.LogTail(c.Name)))}");
            await Task.Delay(100, ct);
        }
        output.WriteLine($"{what} {pod.Name}: start → ready in {Podman.Since(started)} s");
    }

    /// <summary>Polls the sweep until <paramref name="pick"/> returns something (5 minutes at most).</summary>
    private static async Task<T> WaitForAsync<T>(HttpClient client, string id, Func<SweepDto, T?> pick, IReadOnlyList<PodContainer> all,
        CancellationToken ct, bool history = false) where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var sweep = await client.GetFromJsonAsync<SweepDto>($"api/sweeps/{id}{(history ? "?history=true" : "")}", ApiJson.Options, ct);
                if (sweep is not null && pick(sweep) is { } found) return found;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // The coordinator is restarting.
            }
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                Assert.Fail($"sweep {id}: still waiting after 5 minutes\n{string.Join('\n', all.Select(c => Podman.LogTail(c.Name)))}");
            await Task.Delay(250, ct);
        }
    }

    private static void RemoveLeftovers(IEnumerable<PodContainer> pods)
    {
        foreach (var pod in pods) Podman.Run(["rm", "--force", "--time", "0", pod.Name]);
        Podman.Run(["network", "rm", "--force", Network]);
    }

    private static void RequireTools()
    {
        Assert.True(Environment.UserName == "root", "the container rehearsal runs podman as root (test.sh runs the tests so in CI)");
        foreach (var tool in new[] { "podman", "runc", "debootstrap" })
            Assert.True(new[] { "/usr/bin", "/usr/sbin", "/bin", "/sbin" }.Any(d => File.Exists(Path.Combine(d, tool))),
                $"{tool} is needed by the container rehearsal: apt-get install -y podman runc debootstrap (test.sh installs them)");
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));
}
