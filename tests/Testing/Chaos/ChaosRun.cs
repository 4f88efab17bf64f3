using System.Diagnostics;
using System.Globalization;
using Atelier.Contracts.Api;

namespace Atelier.Testing.Chaos;

/// <summary>What a chaos run does: its cluster, its faults, its load, and for how long.</summary>
public sealed record ChaosOptions
{
    public long Seed { get; init; } = 1;

    /// <summary>How long faults are injected (the run then heals, finishes its sweeps and checks).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Stop injecting after this many faults, even if time remains.</summary>
    public int MaxFaults { get; init; } = int.MaxValue;

    /// <summary>A PostgreSQL connection string for the journal; null for SQLite (then one coordinator).</summary>
    public string? Postgres { get; init; }

    public int Coordinators { get; init; } = 1;
    public int Workers { get; init; } = 3;
    public int SlotsPerWorker { get; init; } = 2;
    public TimeSpan LeaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Also run the cifar-vgg19 and style-transfer sweeps (compared with standalone runs).</summary>
    public bool AllJobs { get; init; } = true;

    /// <summary>Size of each synthetic checkpoint.</summary>
    public double CheckpointMegabytes { get; init; } = 1;

    /// <summary>The faults to inject; <see cref="FaultKind.DiskFull"/> needs root (a tmpfs is mounted for the run).</summary>
    public IReadOnlyList<FaultKind> Faults { get; init; } = Enum.GetValues<FaultKind>();

    public TimeSpan MinGap { get; init; } = TimeSpan.FromSeconds(4);
    public TimeSpan MaxGap { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>How long the healed cluster may take to finish every sweep.</summary>
    public TimeSpan FinishTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Keep the run's directory (logs, journal, store) even when every check passed.</summary>
    public bool KeepFiles { get; init; }

    /// <summary>Where progress lines go.</summary>
    public TextWriter Output { get; init; } = TextWriter.Null;

    public string Journal => Postgres is null ? "sqlite" : "postgres";
}

/// <summary>
/// The chaos harness, in the manner of Jepsen: a real local cluster of processes, several sweeps at once, faults at
/// seeded random moments (kill -9, SIGTERM, SIGSTOP past the lease, a full artifact disk, a power cut), then everything
/// restarted once more and the whole history checked against what the jobs must have produced
/// (<see cref="ChaosChecks"/>). A failed check names the seed and the fault schedule, so the run can be replayed.
/// </summary>
public sealed class ChaosRun
{
    private readonly ChaosOptions _options;
    private readonly FaultPlan _plan;
    private readonly Stopwatch _clock = new();
    private readonly List<FaultRecord> _faults = [];
    private readonly List<WorkerDeath> _deaths = [];
    private readonly List<(ChaosSweep Sweep, string Id)> _submitted = [];
    private readonly List<string> _selfExits = [];
    private readonly HashSet<ClusterProcess> _noted = [];
    private readonly string _directory;
    private ChaosCluster _cluster = null!;
    private string? _tmpfs;

    private ChaosRun(ChaosOptions options)
    {
        _options = options;
        var kinds = options.Faults.Where(k => k != FaultKind.DiskFull || Environment.UserName == "root").ToList();
        if (kinds.Count < options.Faults.Count)
            options.Output.WriteLine("chaos: not root, so no tmpfs can be mounted: the DiskFull fault is left out");
        _plan = new FaultPlan(options.Seed, kinds, options.MinGap, options.MaxGap);
        _directory = Directory.CreateTempSubdirectory($"atelier-chaos-{options.Journal}-").FullName;
    }

    /// <summary>Runs the whole scenario and its checks; the result says what was violated, if anything.</summary>
    public static async Task<ChaosResult> RunAsync(ChaosOptions options, CancellationToken ct)
    {
        var run = new ChaosRun(options);
        return await run.RunAsync(ct);
    }

    private TextWriter Out => _options.Output;

    private double Now => _clock.Elapsed.TotalSeconds;

    private void Say(string line) => Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Now,7:0.0}s] {line}"));

    private async Task<ChaosResult> RunAsync(CancellationToken ct)
    {
        _clock.Start();
        var artifacts = Path.Combine(_directory, "artifacts");
        Directory.CreateDirectory(artifacts);
        if (_plan.Kinds.Contains(FaultKind.DiskFull)) _tmpfs = Mount(artifacts);
        _cluster = new ChaosCluster(new ChaosClusterOptions
        {
            Coordinators = _options.Coordinators,
            Workers = _options.Workers,
            SlotsPerWorker = _options.SlotsPerWorker,
            LeaseTimeout = _options.LeaseTimeout,
            Postgres = _options.Postgres,
            ArtifactsDirectory = artifacts,
            Directory = _directory,
        });
        Say($"chaos: seed {_options.Seed}, {_options.Journal}, {_options.Coordinators} coordinators, {_options.Workers} workers × {_options.SlotsPerWorker} slots, " +
            $"lease {_options.LeaseTimeout.TotalSeconds:0}s, faults for {_options.Duration.TotalMinutes:0.#} min: {string.Join(", ", _plan.Kinds)}; directory {_directory}");
        ChaosResult? result = null;
        try
        {
            // The collector runs during the faults too: deleting what nothing refers to must never take a kept checkpoint.
            _cluster.SetExtraCoordinatorArguments(["--artifact-gc-interval", "20s", "--artifact-gc-grace", "60s"]);
            foreach (var c in _cluster.Coordinators) await _cluster.StartAsync(c, ct);
            foreach (var w in _cluster.Workers) await _cluster.StartAsync(w, ct);
            await _cluster.WaitForWorkersAsync(TimeSpan.FromMinutes(2), ct);
            await SubmitWaveAsync(ct);

            using (var supervising = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var supervisor = SuperviseAsync(supervising.Token);
                try
                {
                    while (_clock.Elapsed < _options.Duration && _faults.Count < _options.MaxFaults)
                    {
                        await Task.Delay(_plan.NextGap(), ct);
                        if (await AllFinishedAsync(ct)) await SubmitWaveAsync(ct);
                        await InjectAsync(_plan.NextKind(), ct);
                    }
                    Say($"faults done ({_faults.Count}); healing and letting every sweep finish");
                    await HealAsync(ct);
                    await WaitForAllAsync(ct);
                }
                finally
                {
                    await supervising.CancelAsync();
                    await supervisor;
                }
            }
            result = await VerifyAsync(ct);
            return result;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            result = ChaosResult.Failed(_options, _faults, $"the run itself failed: {e.GetType().Name}: {e.Message}\n{_cluster.DescribeLogs()}") with { SelfExits = _selfExits };
            foreach (var line in result.Describe()) Out.WriteLine(line);
            return result;
        }
        finally
        {
            await _cluster.DisposeAsync();
            if (_tmpfs is not null) Unmount(_tmpfs);
            var keep = _options.KeepFiles || result is null || !result.Passed;
            if (!keep) TryDelete(_directory);
            Say(keep ? $"files kept in {_directory}" : "files deleted");
        }
    }

    private async Task SubmitWaveAsync(CancellationToken ct)
    {
        var wave = _submitted.Count == 0 ? 1 : _submitted.Count / ChaosWorkload.Wave(1, 0, _options.AllJobs, 1).Count + 1;
        foreach (var sweep in ChaosWorkload.Wave(wave, _options.Seed, _options.AllJobs, _options.CheckpointMegabytes))
        {
            var id = (await _cluster.SubmitAsync(sweep.Yaml, ct)).Id;
            _submitted.Add((sweep, id));
            Say($"submitted {sweep.Name} as {id}");
        }
    }

    private async Task<bool> AllFinishedAsync(CancellationToken ct)
    {
        foreach (var (_, id) in _submitted)
        {
            var sweep = await _cluster.GetAsync<SweepDto>($"api/sweeps/{id}", TimeSpan.FromMinutes(2), ct);
            if (sweep is null || sweep.Status != SweepStatus.Completed) return false;
        }
        return true;
    }

    private async Task InjectAsync(FaultKind kind, CancellationToken ct)
    {
        var at = Now;
        string target;
        var detail = "";
        switch (kind)
        {
            case FaultKind.KillWorker or FaultKind.TermWorker or FaultKind.PauseWorker:
            {
                var worker = _plan.Pick(_cluster.Workers.Where(w => w.IsUp).ToList());
                if (worker is null) { Say($"{kind}: no worker is up; skipped"); return; }
                target = worker.Name;
                if (kind == FaultKind.PauseWorker)
                {
                    var pause = _options.LeaseTimeout + _plan.Seconds(2, 8);
                    worker.Process!.Pause();
                    Say($"{kind} {target}: frozen for {pause.TotalSeconds:0.0}s (lease {_options.LeaseTimeout.TotalSeconds:0}s)");
                    await Task.Delay(pause, ct);
                    worker.Process.Resume();
                    detail = $"frozen {pause.TotalSeconds:0.0}s";
                    break;
                }
                _deaths.Add(new WorkerDeath(DateTimeOffset.UtcNow, worker.Address, kind));
                if (kind == FaultKind.KillWorker) await _cluster.KillAsync(worker);
                else detail = await _cluster.TerminateAsync(worker) ? "exited" : "did not exit within 60 s: killed";
                detail = await RestartAfterPauseAsync(worker, detail, ct);
                break;
            }
            case FaultKind.KillHostCoordinator or FaultKind.KillCoordinator or FaultKind.TermCoordinator:
            {
                ChaosNode? coordinator;
                if (kind == FaultKind.KillHostCoordinator)
                {
                    var running = new List<string>();
                    foreach (var (_, id) in _submitted)
                        if (await _cluster.GetAsync<SweepDto>($"api/sweeps/{id}", TimeSpan.FromMinutes(2), ct) is { Status: SweepStatus.Running }) running.Add(id);
                    var sweep = _plan.Pick(running);
                    coordinator = sweep is null ? null : _cluster.HostOf(sweep);
                    detail = sweep is null ? "no sweep running: any coordinator" : $"host of {sweep}";
                    coordinator ??= _plan.Pick(_cluster.Coordinators.Where(c => c.IsUp).ToList());
                }
                else coordinator = _plan.Pick(_cluster.Coordinators.Where(c => c.IsUp).ToList());
                if (coordinator is null) { Say($"{kind}: no coordinator is up; skipped"); return; }
                target = coordinator.Name;
                if (kind == FaultKind.TermCoordinator) detail = await _cluster.TerminateAsync(coordinator) ? "exited" : "did not exit within 60 s: killed";
                else await _cluster.KillAsync(coordinator);
                detail = await RestartAfterPauseAsync(coordinator, detail, ct);
                break;
            }
            case FaultKind.DiskFull:
            {
                target = "artifact store";
                var hold = _plan.Seconds(5, 15);
                var filled = Fill(_tmpfs!);
                Say($"{kind}: {filled / 1e6:0.0} MB written, the store's filesystem is full for {hold.TotalSeconds:0.0}s");
                await Task.Delay(hold, ct);
                File.Delete(Path.Combine(_tmpfs!, "filler"));
                detail = $"{filled / 1e6:0.0} MB filler held {hold.TotalSeconds:0.0}s";
                break;
            }
            case FaultKind.PowerLoss:
            {
                target = "every process";
                var now = DateTimeOffset.UtcNow;
                foreach (var w in _cluster.Workers.Where(w => !w.IsDown)) _deaths.Add(new WorkerDeath(now, w.Address, kind));
                await Task.WhenAll(_cluster.Nodes.Select(_cluster.KillAsync));
                var pause = _plan.Seconds(1, 5);
                await Task.Delay(pause, ct);
                foreach (var c in _cluster.Coordinators) await _cluster.StartAsync(c, ct);
                foreach (var w in _cluster.Workers) await _cluster.StartAsync(w, ct);
                detail = $"down {pause.TotalSeconds:0.0}s";
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        var record = new FaultRecord(_faults.Count + 1, at, kind, target, detail);
        _faults.Add(record);
        Say(record.ToString());
    }

    private async Task<string> RestartAfterPauseAsync(ChaosNode node, string detail, CancellationToken ct)
    {
        var pause = _plan.Seconds(1, 6);
        await Task.Delay(pause, ct);
        await _cluster.StartAsync(node, ct);
        return $"{(detail.Length > 0 ? detail + ", " : "")}restarted after {pause.TotalSeconds:0.0}s";
    }

    /// <summary>Every node running and thawed, the disk free.</summary>
    private async Task HealAsync(CancellationToken ct)
    {
        if (_tmpfs is not null) File.Delete(Path.Combine(_tmpfs, "filler"));
        foreach (var node in _cluster.Nodes) node.Process?.Resume();
        // Every fault has started its target again; what is down exited by itself, and the supervisor starts it.
        await Poll.UntilAsync(_ => Task.FromResult(_cluster.Nodes.All(n => !n.IsDown)), TimeSpan.FromMinutes(3),
            "every process to run again", interval: TimeSpan.FromMilliseconds(500), cancellationToken: ct);
    }

    /// <summary>
    /// What Kubernetes (restartPolicy Always) or systemd (<c>Restart=on-failure</c>) does, all along the faults and
    /// while the sweeps finish: a process that exited without the harness stopping it is started again, within a second
    /// or so. Each such exit is recorded and reported: a coordinator downed by the split-brain resolver exits with 3 for
    /// its supervisor, and the harness plays that supervisor. It runs beside the faults (a fault may be waiting for a
    /// coordinator that only this brings back); it never touches a process the harness stopped itself.
    /// </summary>
    private async Task SuperviseAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                foreach (var node in NoteSelfExits())
                {
                    Say($"{node.Name}: starting it again, as its supervisor would");
                    await _cluster.StartAsync(node, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A restarted process that a fault killed again, or that did not come up: the next round sees it.
                Say($"supervisor: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
        }
    }

    /// <summary>Records, once each, the processes that exited without the harness stopping them.</summary>
    private List<ChaosNode> NoteSelfExits()
    {
        var exited = _cluster.Nodes
            .Where(n => n.Process is { HasExited: true } p && !_cluster.WasStopped(p) && _noted.Add(p))
            .ToList();
        foreach (var node in exited)
        {
            var exit = string.Create(CultureInfo.InvariantCulture, $"{node.Name} exited with {node.Process!.ExitCode} (noticed at t={Now:0.0}s)");
            lock (_selfExits) _selfExits.Add(exit);
            Say(exit);
        }
        return exited;
    }

    private async Task WaitForAllAsync(CancellationToken ct)
    {
        await Poll.UntilAsync(c => AllFinishedAsync(c), _options.FinishTimeout, "every sweep to finish after the faults",
            interval: TimeSpan.FromSeconds(2), cancellationToken: ct);
        Say("every sweep finished");
    }

    /// <summary>
    /// The end: the state every sweep shows, then a power cut and a restart of everything with a collector that
    /// deletes at once, then the same state again (the journal replays to it), a collector round, and the checks.
    /// </summary>
    private async Task<ChaosResult> VerifyAsync(CancellationToken ct)
    {
        var before = new Dictionary<string, SweepDto>();
        foreach (var (_, id) in _submitted)
            before[id] = (await _cluster.GetAsync<SweepDto>($"api/sweeps/{id}?history=true", TimeSpan.FromMinutes(2), ct))!;

        Say("restarting every process once more (power cut), with an artifact collector that deletes unreferenced files at once");
        await Task.WhenAll(_cluster.Nodes.Select(_cluster.KillAsync));
        var cut = DateTime.UtcNow;
        _cluster.SetExtraCoordinatorArguments(["--artifact-gc-interval", "2s", "--artifact-gc-grace", "1s"]);
        foreach (var c in _cluster.Coordinators) await _cluster.StartAsync(c, ct);
        var after = new Dictionary<string, SweepDto>();
        var logs = new Dictionary<string, SweepLogDto>();
        foreach (var (_, id) in _submitted)
        {
            after[id] = (await _cluster.GetAsync<SweepDto>($"api/sweeps/{id}?history=true", TimeSpan.FromMinutes(2), ct))!;
            logs[id] = (await _cluster.GetAsync<SweepLogDto>($"api/sweeps/{id}/logs?metrics=true", TimeSpan.FromMinutes(2), ct))!;
        }
        // Two collector rounds after every sweep answered (the second starts after the first has finished), past the
        // grace of one second, and once the temporary files of uploads the power cut broke have been idle long enough
        // to be seen as abandoned.
        var idle = cut + TempFileIdle - DateTime.UtcNow;
        if (idle > TimeSpan.Zero) await Task.Delay(idle, ct);
        var rounds = CollectorRounds();
        await Poll.UntilAsync(_ => Task.FromResult(CollectorRounds() >= rounds + 2), TimeSpan.FromMinutes(2),
            "two artifact collector rounds", interval: TimeSpan.FromMilliseconds(500), cancellationToken: ct);
        await Task.WhenAll(_cluster.Nodes.Select(_cluster.KillAsync));

        Say("checking: every trial terminal once, histories, results, checkpoints, the store after a collector round, replay");
        var references = await ChaosReferences.ComputeAsync(_submitted.Select(s => (s.Sweep, after[s.Id])).ToList(), _directory, Out, ct);
        var checks = new ChaosChecks(_cluster.Options.ArtifactsDirectory, references);
        var report = checks.Verify(_submitted.Select(s => (s.Sweep, before[s.Id], after[s.Id], logs[s.Id])).ToList(), _deaths);
        var result = new ChaosResult(_options, _faults, report, _clock.Elapsed) { SelfExits = _selfExits };
        foreach (var line in result.Describe()) Out.WriteLine(line);
        return result;
    }

    /// <summary>The coordinator's <c>ArtifactStore.TempFileIdle</c> (this project does not reference the coordinator's).</summary>
    private static readonly TimeSpan TempFileIdle = TimeSpan.FromMinutes(1);

    /// <summary>How many collector rounds the coordinators' logs report so far.</summary>
    private int CollectorRounds() =>
        _cluster.Coordinators.Sum(c => c.Process is { } p ? p.CountInLog("artifact collector: deleted ") : 0);

    private static string Mount(string directory)
    {
        Run("mount", $"-t tmpfs -o size=768m atelier-chaos {directory}");
        return directory;
    }

    private static void Unmount(string directory)
    {
        try
        {
            Run("umount", directory);
        }
        catch (InvalidOperationException)
        {
            // Left mounted: a later run mounts its own.
        }
    }

    /// <summary>Writes a filler file until the filesystem is full; returns its size.</summary>
    private static long Fill(string directory)
    {
        var path = Path.Combine(directory, "filler");
        var chunk = new byte[1 << 20];
        long written = 0;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        try
        {
            while (true)
            {
                file.Write(chunk);
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            // ENOSPC: full. Fill the last partial megabyte too.
            for (var size = chunk.Length / 2; size >= 512; size /= 2)
            {
                try
                {
                    file.Write(chunk, 0, size);
                    written += size;
                }
                catch (IOException)
                {
                }
            }
        }
        return written;
    }

    private static void Run(string command, string arguments)
    {
        // Not the test process's stdin or stdout: xunit v3's runner talks to it over them.
        using var process = Process.Start(new ProcessStartInfo(command, arguments)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        output.Wait();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command} {arguments} failed ({process.ExitCode}): {error.Trim()}");
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A worker taken down by a fault: when, which node, how.</summary>
public sealed record WorkerDeath(DateTimeOffset At, string Node, FaultKind Kind);
