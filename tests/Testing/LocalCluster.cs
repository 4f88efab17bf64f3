using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Atelier.Contracts.Api;

namespace Atelier.Testing;

/// <summary>How a <see cref="LocalCluster"/> is started.</summary>
public sealed record LocalClusterOptions
{
    public int Workers { get; init; } = 2;

    public int SlotsPerWorker { get; init; } = 2;

    /// <summary>The coordinator's <c>--lease-timeout</c>; its default when null.</summary>
    public TimeSpan? LeaseTimeout { get; init; }

    /// <summary>The workers' <c>--coordinator-lost-timeout</c>; their default when null.</summary>
    public TimeSpan? CoordinatorLostTimeout { get; init; }

    /// <summary>How long each process may take to become ready.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>A name for the temporary directory, to tell clusters apart.</summary>
    public string Name { get; init; } = "cluster";

    /// <summary>More options for every coordinator start, e.g. <c>--artifact-gc-interval 1s</c>.</summary>
    public IReadOnlyList<string> CoordinatorArguments { get; init; } = [];

    /// <summary>More options for every worker start, e.g. <c>--tls-cert …</c>.</summary>
    public IReadOnlyList<string> WorkerArguments { get; init; } = [];

    /// <summary>Keep the temporary directory (logs, journal) after disposal.</summary>
    public bool KeepFiles { get; init; } = Environment.GetEnvironmentVariable("ATELIER_KEEP_TEST_FILES") == "1";
}

/// <summary>
/// A coordinator and N workers as real processes on loopback, with free ports, a fresh data directory and one
/// log file per process under a temporary directory. The coordinator can be killed and restarted on the same
/// ports and data directory; <see cref="DisposeAsync"/> kills everything and deletes the directory.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    /// <summary>
    /// What a worker logs once it has joined a cluster and found the work broker, so its slots' requests
    /// reach it (once per actor system it starts; Akka's ClusterSingletonProxy writes it).
    /// </summary>
    public const string ReadyMarker = "Singleton identified at [";

    private readonly LocalClusterOptions _options;
    private readonly List<ClusterProcess> _processes = [];
    private readonly List<WorkerNode> _workers = [];
    private readonly List<CoordinatorNode> _replicas = [];
    private int _coordinatorStarts;
    private bool _keepFiles;

    private LocalCluster(LocalClusterOptions options)
    {
        _options = options;
        _keepFiles = options.KeepFiles;
        Directory = System.IO.Directory.CreateTempSubdirectory($"atelier-{options.Name}-").FullName;
        ApiPort = FreePorts.Next();
        RemotingPort = FreePorts.Next();
        ApiUrl = new Uri($"http://127.0.0.1:{ApiPort}/");
        Http = new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2) })
        {
            BaseAddress = ApiUrl,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    /// <summary>The temporary directory: <c>logs/</c>, <c>coordinator/</c> (the journal), <c>worker-N/</c>.</summary>
    public string Directory { get; }

    public int ApiPort { get; }

    public int RemotingPort { get; }

    /// <summary>The HTTP API's base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri ApiUrl { get; }

    /// <summary>A client whose base address is <see cref="ApiUrl"/>.</summary>
    public HttpClient Http { get; }

    /// <summary>The coordinator's seed address, e.g. <c>akka.tcp://atelier@127.0.0.1:41235</c>.</summary>
    public string SeedNode => $"akka.tcp://{ClusterNames.ActorSystem}@127.0.0.1:{RemotingPort}";

    /// <summary>The current coordinator process.</summary>
    public ClusterProcess Coordinator { get; private set; } = null!;

    public IReadOnlyList<WorkerNode> Workers => _workers;

    /// <summary>The coordinator's journal directory (kept across restarts).</summary>
    public string CoordinatorDataDirectory => Path.Combine(Directory, "coordinator");

    /// <summary>
    /// Starts the coordinator, waits until its API answers, then starts the workers and waits until each
    /// has joined the cluster. On failure everything is stopped and the exception carries every log's tail.
    /// </summary>
    public static async Task<LocalCluster> StartAsync(LocalClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        var cluster = new LocalCluster(options ?? new LocalClusterOptions());
        try
        {
            await cluster.StartCoordinatorAsync(cancellationToken);
            for (var i = 1; i <= cluster._options.Workers; i++) cluster.StartWorker(i);
            await cluster.WaitForWorkersJoinedAsync(cancellationToken);
            return cluster;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failure = cluster.Explain(e, "starting the cluster");
            await cluster.DisposeAsync();
            throw failure;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a coordinator on this cluster's ports and data directory and waits until its API answers.</summary>
    public async Task StartCoordinatorAsync(CancellationToken cancellationToken = default)
    {
        if (Coordinator is { HasExited: false })
            throw new InvalidOperationException("the coordinator is already running");
        _coordinatorStarts++;
        var name = _coordinatorStarts == 1 ? "coordinator" : $"coordinator.{_coordinatorStarts}";
        Coordinator = StartCoordinatorProcess(name, ApiPort, RemotingPort, CoordinatorDataDirectory, []);
        await WaitForApiAsync(Http, Coordinator, cancellationToken);
    }

    /// <summary>
    /// Another coordinator (<c>coordinator-N</c>) that joins this cluster through the first one, with ports and a data
    /// directory of its own and the same <see cref="LocalClusterOptions.CoordinatorArguments"/> (so give those a shared
    /// journal, <c>--postgres</c>, and a shared <c>--artifacts-dir</c>); returns once its API answers.
    /// </summary>
    public async Task<CoordinatorNode> StartCoordinatorReplicaAsync(int number, CancellationToken cancellationToken = default)
    {
        var (apiPort, port) = (FreePorts.Next(), FreePorts.Next());
        var name = $"coordinator-{number}";
        var process = StartCoordinatorProcess(name, apiPort, port, Path.Combine(Directory, name), ["--seed-nodes", SeedNode]);
        var node = new CoordinatorNode(number, port, process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/"), Timeout = TimeSpan.FromSeconds(30) });
        _replicas.Add(node);
        await WaitForApiAsync(node.Http, process, cancellationToken);
        return node;
    }

    private ClusterProcess StartCoordinatorProcess(string name, int apiPort, int port, string dataDirectory, IReadOnlyList<string> extra)
    {
        var args = new List<string>
        {
            "--api-port", Invariant(apiPort), "--port", Invariant(port), "--data-dir", dataDirectory,
        };
        if (_options.LeaseTimeout is { } lease) args.AddRange(["--lease-timeout", Seconds(lease)]);
        args.AddRange(_options.CoordinatorArguments);
        args.AddRange(extra);
        return Track(ClusterProcess.Start(name, RepoLayout.CoordinatorDll, args, LogFile(name), Directory,
            new Dictionary<string, string>
            {
                // One log line per HTTP request would drown the cluster's own messages.
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            }));
    }

    private Task WaitForApiAsync(HttpClient http, ClusterProcess coordinator, CancellationToken cancellationToken) =>
        Poll.UntilAsync(async ct =>
            {
                using var response = await http.GetAsync("api/sweeps", ct);
                return response.StatusCode == HttpStatusCode.OK;
            },
            _options.StartTimeout, $"{coordinator.Name}'s API to answer GET /api/sweeps with 200",
            () => coordinator.HasExited ? $"{coordinator.Describe()} before its API answered" : null, cancellationToken: cancellationToken);

    /// <summary>kill -9 of the coordinator.</summary>
    public Task KillCoordinatorAsync() => Coordinator.KillAsync();

    /// <summary>kill -9 of the coordinator, then a new one on the same ports and data directory.</summary>
    public async Task RestartCoordinatorAsync(CancellationToken cancellationToken = default)
    {
        await KillCoordinatorAsync();
        await StartCoordinatorAsync(cancellationToken);
    }

    /// <summary>kill -9 of worker <paramref name="number"/> (1-based).</summary>
    public Task KillWorkerAsync(int number) => _workers[number - 1].Process.KillAsync();

    /// <summary>
    /// Waits until every running worker has logged <see cref="ReadyMarker"/> more often than
    /// <paramref name="joinsBefore"/> says (by default: at least once), i.e. it (re)joined a cluster and can get work,
    /// and until the coordinator sees each of them Up and reachable. (A worker still Joining when another node
    /// becomes unreachable stays WeaklyUp and does not count for the split-brain resolver's majority.)
    /// </summary>
    public async Task WaitForWorkersJoinedAsync(CancellationToken cancellationToken = default, IReadOnlyDictionary<int, int>? joinsBefore = null)
    {
        string? DeadWorker() => _workers.FirstOrDefault(w => w.Process.HasExited && !w.Process.WasKilled) is { } dead
            ? dead.Process.Describe()
            : Coordinator.HasExited ? Coordinator.Describe() : null;
        await Poll.UntilAsync(_ => Task.FromResult(_workers.Where(w => !w.Process.HasExited)
                .All(w => w.Joins > (joinsBefore?.GetValueOrDefault(w.Number) ?? 0))),
            _options.StartTimeout, "every worker to join the cluster and find the work broker",
            DeadWorker, TimeSpan.FromMilliseconds(250), cancellationToken);
        ClusterDto? last = null;
        try
        {
            await Poll.UntilAsync(async ct =>
                {
                    using var response = await Http.GetAsync("api/cluster", ct);
                    // A coordinator without GET /api/cluster: the log markers above are all there is to go on.
                    if (response.StatusCode == HttpStatusCode.NotFound) return true;
                    if (response.StatusCode != HttpStatusCode.OK) return false;
                    last = Deserialize<ClusterDto>(await response.Content.ReadAsStringAsync(ct));
                    return _workers.Where(w => !w.Process.HasExited).All(w =>
                        // Past the protocol: akka.ssl.tcp with --tls-cert in the options' arguments.
                        last.Members.Any(m => m.Address.EndsWith(w.Address[w.Address.IndexOf("://", StringComparison.Ordinal)..], StringComparison.Ordinal)
                                              && m.Status == "Up" && m.Reachable));
                },
                _options.StartTimeout, "the coordinator to see every worker Up and reachable",
                DeadWorker, TimeSpan.FromMilliseconds(250), cancellationToken);
        }
        catch (TimeoutException e) when (last is not null)
        {
            var members = string.Join(", ", last.Members.Select(m => $"{m.Address} {m.Status}{(m.Reachable ? "" : " unreachable")}"));
            throw new TimeoutException($"{e.Message}; members: {members}", e);
        }
    }

    /// <summary>How often each worker has joined a cluster so far (to wait for a rejoin later).</summary>
    public IReadOnlyDictionary<int, int> JoinCounts() => _workers.ToDictionary(w => w.Number, w => w.Joins);

    /// <summary>POSTs a spec; throws unless the answer is 201.</summary>
    public async Task<SubmitSweepResponse> SubmitAsync(string yaml, CancellationToken cancellationToken = default)
    {
        using var response = await PostSpecAsync(yaml, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"POST /api/sweeps answered {(int)response.StatusCode}: {body}");
        return Deserialize<SubmitSweepResponse>(body);
    }

    /// <summary>POSTs a spec and returns the raw response.</summary>
    public Task<HttpResponseMessage> PostSpecAsync(string yaml, CancellationToken cancellationToken = default) =>
        Http.PostAsync("api/sweeps", new StringContent(yaml, Encoding.UTF8, "application/yaml"), cancellationToken);

    /// <summary>GET /api/sweeps/{id}; null on 404, throws on any other failure.</summary>
    public async Task<SweepDto?> GetSweepAsync(string id, bool history = false, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync($"api/sweeps/{id}{(history ? "?history=true" : "")}", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET /api/sweeps/{id} answered {(int)response.StatusCode}: {body}");
        return Deserialize<SweepDto>(body);
    }

    /// <summary>GET /api/sweeps.</summary>
    public async Task<IReadOnlyList<SweepSummaryDto>> ListSweepsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync("api/sweeps", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"GET /api/sweeps answered {(int)response.StatusCode}: {body}");
        return Deserialize<List<SweepSummaryDto>>(body);
    }

    /// <summary>
    /// Polls the sweep until <paramref name="until"/> holds (by default: it is completed) and returns it.
    /// Fails at once if the coordinator process dies. API errors while it restarts are retried.
    /// </summary>
    public async Task<SweepDto> WaitForSweepAsync(
        string id, TimeSpan timeout, Func<SweepDto, bool>? until = null, string? what = null,
        bool history = false, CancellationToken cancellationToken = default, TimeSpan? interval = null)
    {
        until ??= s => s.Status == SweepStatus.Completed;
        SweepDto? last = null;
        try
        {
            return await Poll.UntilAsync(async ct =>
                {
                    last = await GetSweepAsync(id, history, ct);
                    return last is not null && until(last) ? last : null;
                },
                timeout, what ?? $"sweep {id} to complete",
                () => Coordinator.HasExited ? $"{Coordinator.Describe()}" : null, interval, cancellationToken);
        }
        catch (TimeoutException e) when (last is not null)
        {
            throw new TimeoutException($"{e.Message}; last seen: {last.Status}, {last.Counts}", e);
        }
    }

    /// <summary>Runs <c>pbm --server URL ARGS</c> against this cluster.</summary>
    public Task<PbmResult> RunPbmAsync(IEnumerable<string> args, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Pbm.RunAsync(["--server", ApiUrl.ToString().TrimEnd('/'), .. args], timeout ?? TimeSpan.FromSeconds(120),
            RepoLayout.Root, cancellationToken);

    /// <summary>Every process this cluster started (killed ones included) with the end of its log.</summary>
    public string DescribeLogs(int lines = 60)
    {
        var text = new StringBuilder();
        text.AppendLine($"cluster directory: {Directory}{(_keepFiles ? " (kept)" : "")}");
        foreach (var process in _processes.ToList())
        {
            text.AppendLine($"===== {process.Describe()}; last {lines} lines:");
            text.AppendLine(process.LogTail(lines));
        }
        return text.ToString();
    }

    /// <summary>
    /// Runs <paramref name="body"/>; if it throws, the exception is wrapped in one whose message also holds the
    /// tail of every process's log, and the cluster's files are kept for a look.
    /// </summary>
    public async Task ExplainFailuresAsync(Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (Exception e)
        {
            throw Explain(e, "the test");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_processes.Select(p => p.DisposeAsync().AsTask()));
        Http.Dispose();
        foreach (var replica in _replicas) replica.Http.Dispose();
        if (_keepFiles) return;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 4)
            {
                await Task.Delay(200);
            }
            catch (UnauthorizedAccessException) when (attempt < 4)
            {
                await Task.Delay(200);
            }
        }
    }

    private ClusterFailureException Explain(Exception e, string during)
    {
        _keepFiles = true;
        return new ClusterFailureException($"{during} failed: {e.GetType().Name}: {e.Message}\n\n{DescribeLogs()}", e);
    }

    private void StartWorker(int number)
    {
        var port = FreePorts.Next();
        var name = $"worker-{number}";
        var args = new List<string>
        {
            "--seed-nodes", SeedNode, "--port", Invariant(port), "--cpu-slots", Invariant(_options.SlotsPerWorker),
            "--device", "cpu", "--data-dir", Path.Combine(Directory, name),
        };
        if (_options.CoordinatorLostTimeout is { } lost) args.AddRange(["--coordinator-lost-timeout", Seconds(lost)]);
        args.AddRange(_options.WorkerArguments);
        var process = Track(ClusterProcess.Start(name, RepoLayout.WorkerDll, args, LogFile(name), Directory));
        _workers.Add(new WorkerNode(number, port, process));
    }

    private ClusterProcess Track(ClusterProcess process)
    {
        lock (_processes) _processes.Add(process);
        return process;
    }

    private string LogFile(string name) => Path.Combine(Directory, "logs", name + ".log");

    private static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, ApiJson.Options) ?? throw new InvalidOperationException($"the API answered null: {json}");

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + "s";
}

/// <summary>A worker process of a <see cref="LocalCluster"/>, with what its log says it did.</summary>
public sealed partial record WorkerNode(int Number, int Port, ClusterProcess Process)
{
    /// <summary>The node address that appears in a trial's slot, e.g. <c>akka.tcp://atelier@127.0.0.1:40001</c>.</summary>
    public string Address => $"akka.tcp://{ClusterNames.ActorSystem}@127.0.0.1:{Port}";

    /// <summary>How many times this worker has joined a cluster and found the broker (a fresh actor system after each coordinator loss).</summary>
    public int Joins => Process.CountInLog(LocalCluster.ReadyMarker);

    /// <summary>Every trial attempt of <paramref name="sweepId"/> that this worker's slots started, from its log.</summary>
    public IReadOnlyList<TrialStart> TrialsStarted(string sweepId) =>
        StartedLine().Matches(Process.ReadLog())
            .Where(m => m.Groups["sweep"].Value == sweepId)
            .Select(m => new TrialStart(Number, m.Groups["slot"].Value,
                int.Parse(m.Groups["trial"].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(m.Groups["attempt"].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

    // SlotActor: "slot {0}: running {1} trial {2} attempt {3}".
    [GeneratedRegex(@"slot (?<slot>\S+): running (?<sweep>\S+) trial (?<trial>\d+) attempt (?<attempt>\d+)")]
    private static partial Regex StartedLine();

    /// <summary>
    /// For each result of <paramref name="sweepId"/> that this worker's slots sent and the sweep acknowledged: the
    /// milliseconds from the end of its job to the acknowledgement, from its log.
    /// </summary>
    public IReadOnlyList<double> ResultLatencies(string sweepId) =>
        AcknowledgedLine().Matches(Process.ReadLog())
            .Where(m => m.Groups["sweep"].Value == sweepId)
            .Select(m => double.Parse(m.Groups["ms"].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();

    // SlotActor: "slot {0}: {1} trial {2} attempt {3} result acknowledged {4:0.0} ms after its job ended".
    [GeneratedRegex(@"slot \S+: (?<sweep>\S+) trial \d+ attempt \d+ result acknowledged (?<ms>[\d.]+) ms after its job ended")]
    private static partial Regex AcknowledgedLine();
}

/// <summary>A further coordinator of a <see cref="LocalCluster"/> (<see cref="LocalCluster.StartCoordinatorReplicaAsync"/>), with a client for its API.</summary>
public sealed record CoordinatorNode(int Number, int Port, ClusterProcess Process, HttpClient Http)
{
    public string Address => $"akka.tcp://{ClusterNames.ActorSystem}@127.0.0.1:{Port}";
}

/// <summary>A worker's slot started an attempt of a trial (as its log says).</summary>
public sealed record TrialStart(int Worker, string Slot, int Trial, int Attempt);

/// <summary>A test against a <see cref="LocalCluster"/> failed; the message ends with the tail of every process's log.</summary>
public sealed class ClusterFailureException(string message, Exception inner) : Exception(message, inner);
