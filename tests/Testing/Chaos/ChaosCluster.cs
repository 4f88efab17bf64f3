using System.Globalization;
using System.Net;
using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Testing.Chaos;

/// <summary>How the chaos cluster is laid out.</summary>
public sealed record ChaosClusterOptions
{
    /// <summary>1 on SQLite; up to 3 on PostgreSQL (they share its journal and the artifact directory).</summary>
    public int Coordinators { get; init; } = 1;

    public int Workers { get; init; } = 2;

    public int SlotsPerWorker { get; init; } = 2;

    public TimeSpan LeaseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A PostgreSQL connection string for the journal; null for SQLite (one coordinator).</summary>
    public string? Postgres { get; init; }

    /// <summary>The shared content-addressed store (a small tmpfs when the run fills the disk).</summary>
    public required string ArtifactsDirectory { get; init; }

    /// <summary>Where data directories and logs go.</summary>
    public required string Directory { get; init; }
}

/// <summary>One process of the chaos cluster, by role and number, on fixed ports and a fixed data directory.</summary>
public sealed class ChaosNode(string name, bool isCoordinator, int number, int port, int apiPort, string dataDirectory)
{
    public string Name { get; } = name;
    public bool IsCoordinator { get; } = isCoordinator;
    public int Number { get; } = number;
    public int Port { get; } = port;

    /// <summary>The HTTP API port (coordinators only).</summary>
    public int ApiPort { get; } = apiPort;

    public string DataDirectory { get; } = dataDirectory;

    /// <summary>The current process (the last one started), null before the first start.</summary>
    public ClusterProcess? Process { get; internal set; }

    /// <summary>Every process this node has run, oldest first.</summary>
    public List<ClusterProcess> History { get; } = [];

    /// <summary>Its cluster address, e.g. <c>akka.tcp://atelier@127.0.0.1:40001</c>.</summary>
    public string Address => $"akka.tcp://{ClusterNames.ActorSystem}@127.0.0.1:{Port}";

    /// <summary>Running and not frozen.</summary>
    public bool IsUp => Process is { HasExited: false, IsPaused: false };

    public bool IsDown => Process is null || Process.HasExited;

    public HttpClient? Http { get; internal set; }

    public override string ToString() => Name;
}

/// <summary>
/// The chaos harness's cluster: coordinators and workers as real processes on fixed loopback ports and data
/// directories, each of which can be killed, stopped gracefully, frozen, thawed and started again, as a pod restart
/// would. The API is reached through any live coordinator.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    private readonly ChaosClusterOptions _options;
    private readonly List<ChaosNode> _nodes = [];
    private IReadOnlyList<string> _extraCoordinatorArguments = [];

    public ChaosCluster(ChaosClusterOptions options)
    {
        if (options.Postgres is null && options.Coordinators != 1)
            throw new ArgumentException("several coordinators need a shared journal: give a PostgreSQL connection string");
        _options = options;
        for (var i = 1; i <= options.Coordinators; i++)
        {
            var node = new ChaosNode($"coordinator-{i}", true, i, FreePorts.Next(), FreePorts.Next(), Path.Combine(options.Directory, $"coordinator-{i}"));
            node.Http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2) })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{node.ApiPort}/"),
                Timeout = TimeSpan.FromSeconds(15),
            };
            _nodes.Add(node);
        }
        for (var i = 1; i <= options.Workers; i++)
            _nodes.Add(new ChaosNode($"worker-{i}", false, i, FreePorts.Next(), 0, Path.Combine(options.Directory, $"worker-{i}")));
    }

    public IReadOnlyList<ChaosNode> Nodes => _nodes;
    public IReadOnlyList<ChaosNode> Coordinators => _nodes.Where(n => n.IsCoordinator).ToList();
    public IReadOnlyList<ChaosNode> Workers => _nodes.Where(n => !n.IsCoordinator).ToList();
    public ChaosClusterOptions Options => _options;

    /// <summary>Every coordinator is a seed node: the first forms the cluster, the others (and restarted ones) join it.</summary>
    private string SeedNodes => string.Join(',', Coordinators.Select(c => c.Address));

    /// <summary>Options given to every coordinator started from now on (e.g. a fast artifact collector at the end).</summary>
    public void SetExtraCoordinatorArguments(IReadOnlyList<string> arguments) => _extraCoordinatorArguments = arguments;

    /// <summary>Starts a node's process (again) on its ports and data directory; a coordinator returns once its API answers.</summary>
    public async Task StartAsync(ChaosNode node, CancellationToken ct)
    {
        if (node.Process is { HasExited: false }) throw new InvalidOperationException($"{node} is already running");
        var log = Path.Combine(_options.Directory, "logs", node.Name + ".log");
        ClusterProcess process;
        if (node.IsCoordinator)
        {
            var args = new List<string>
            {
                "--api-port", Invariant(node.ApiPort), "--port", Invariant(node.Port), "--data-dir", node.DataDirectory,
                "--artifacts-dir", _options.ArtifactsDirectory, "--seed-nodes", SeedNodes,
                "--lease-timeout", Invariant((int)_options.LeaseTimeout.TotalSeconds) + "s",
                // Far below the default 500: a chaos sweep writes a few hundred events, and recovery from a snapshot plus
                // the events after it, while snapshots are being made, is what the faults must not break either.
                "--snapshot-every", "20",
            };
            if (_options.Postgres is { } postgres) args.AddRange(["--postgres", postgres]);
            args.AddRange(_extraCoordinatorArguments);
            process = ClusterProcess.Start(node.Name, RepoLayout.CoordinatorDll, args, log, _options.Directory,
                new Dictionary<string, string> { ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning" });
        }
        else
        {
            var args = new List<string>
            {
                "--seed-nodes", SeedNodes, "--port", Invariant(node.Port), "--cpu-slots", Invariant(_options.SlotsPerWorker),
                "--device", "cpu", "--data-dir", node.DataDirectory, "--coordinator-lost-timeout", "10s",
            };
            process = ClusterProcess.Start(node.Name, RepoLayout.WorkerDll, args, log, _options.Directory);
        }
        node.Process = process;
        node.History.Add(process);
        if (node.IsCoordinator)
        {
            await Poll.UntilAsync(async c =>
                {
                    using var response = await node.Http!.GetAsync("healthz/ready", c);
                    return response.StatusCode == HttpStatusCode.OK;
                }, TimeSpan.FromSeconds(120), $"{node}'s API to answer /healthz/ready",
                () => process.HasExited ? process.Describe() : null, TimeSpan.FromMilliseconds(250), ct);
        }
    }

    public Task KillAsync(ChaosNode node) => Stopping(node)?.KillAsync() ?? Task.CompletedTask;

    public Task<bool> TerminateAsync(ChaosNode node) => Stopping(node)?.TerminateAsync(TimeSpan.FromSeconds(60)) ?? Task.FromResult(true);

    private readonly HashSet<ClusterProcess> _stopped = [];

    /// <summary>Whether the harness itself killed or stopped <paramref name="process"/> (else it exited by itself).</summary>
    public bool WasStopped(ClusterProcess process)
    {
        lock (_stopped) return _stopped.Contains(process);
    }

    /// <summary>Remembers, before the signal, that the harness stops the node's current process.</summary>
    private ClusterProcess? Stopping(ChaosNode node)
    {
        var process = node.Process;
        if (process is not null) lock (_stopped) _stopped.Add(process);
        return process;
    }

    /// <summary>Waits until every running worker has (re)joined since <paramref name="joinsBefore"/> (by its log).</summary>
    public Task WaitForWorkersAsync(TimeSpan timeout, CancellationToken ct) =>
        Poll.UntilAsync(_ => Task.FromResult(Workers.Where(w => w.IsUp).All(w => w.Process!.CountInLog(LocalCluster.ReadyMarker) > 0)),
            timeout, "every worker to join the cluster", interval: TimeSpan.FromMilliseconds(250), cancellationToken: ct);

    /// <summary>GET <paramref name="path"/> from a live coordinator, trying each until one answers 200 (or 404: null).</summary>
    public async Task<T?> GetAsync<T>(string path, TimeSpan timeout, CancellationToken ct) where T : class
    {
        var found = await Poll.UntilAsync<Box<T>>(async c =>
            {
                foreach (var node in Coordinators.Where(n => n.IsUp))
                {
                    try
                    {
                        using var response = await node.Http!.GetAsync(path, c);
                        if (response.StatusCode == HttpStatusCode.NotFound) return new Box<T>(null);
                        if (response.StatusCode != HttpStatusCode.OK) continue;
                        var body = await response.Content.ReadAsStringAsync(c);
                        return new Box<T>(JsonSerializer.Deserialize<T>(body, ApiJson.Options));
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !c.IsCancellationRequested)
                    {
                    }
                }
                return null;
            }, timeout, $"a coordinator to answer GET {path}", interval: TimeSpan.FromMilliseconds(500), cancellationToken: ct);
        return found.Value;
    }

    /// <summary>POSTs a spec to a live coordinator (retrying the same id while coordinators restart).</summary>
    public async Task<SubmitSweepResponse> SubmitAsync(string yaml, CancellationToken ct) =>
        await Poll.UntilAsync(async c =>
            {
                foreach (var node in Coordinators.Where(n => n.IsUp))
                {
                    try
                    {
                        using var response = await node.Http!.PostAsync("api/sweeps", new StringContent(yaml, System.Text.Encoding.UTF8, "application/yaml"), c);
                        var body = await response.Content.ReadAsStringAsync(c);
                        if (response.StatusCode == HttpStatusCode.Created) return JsonSerializer.Deserialize<SubmitSweepResponse>(body, ApiJson.Options);
                        if (response.StatusCode == HttpStatusCode.BadRequest) throw new InvalidOperationException($"the spec was refused: {body}");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !c.IsCancellationRequested)
                    {
                    }
                }
                return null;
            }, TimeSpan.FromMinutes(3), "a coordinator to accept a sweep", interval: TimeSpan.FromMilliseconds(500), cancellationToken: ct);

    /// <summary>The coordinator whose log last says it started or recovered sweep <paramref name="id"/> (null if none is up).</summary>
    public ChaosNode? HostOf(string id)
    {
        ChaosNode? host = null;
        var latest = DateTimeOffset.MinValue;
        foreach (var node in Coordinators.Where(n => n.IsUp))
        {
            foreach (var line in node.Process!.ReadLog().Split('\n'))
            {
                if (!line.Contains($"sweep {id} ", StringComparison.Ordinal) || !(line.Contains(" created with ", StringComparison.Ordinal) || line.Contains(" recovered ", StringComparison.Ordinal)))
                    continue;
                if (LogTime(line) is { } at && at >= latest)
                {
                    latest = at;
                    host = node;
                }
            }
        }
        return host;
    }

    /// <summary>The time at the start of an Akka log line (<c>[INFO][12/05/2026 10:11:12.123Z]…</c>), if it has one.</summary>
    private static DateTimeOffset? LogTime(string line)
    {
        var m = System.Text.RegularExpressions.Regex.Match(line, @"\]\[(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d\.\d+)Z\]");
        return m.Success && DateTimeOffset.TryParseExact(m.Groups[1].Value, "MM/dd/yyyy HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    public string DescribeLogs(int lines = 40)
    {
        var text = new System.Text.StringBuilder();
        foreach (var node in _nodes)
        {
            foreach (var process in node.History)
            {
                text.AppendLine($"===== {process.Describe()}; last {lines} lines:");
                text.AppendLine(process.LogTail(lines));
            }
        }
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            foreach (var process in node.History) await process.DisposeAsync();
            node.Http?.Dispose();
        }
    }

    private sealed record Box<T>(T? Value) where T : class;

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
