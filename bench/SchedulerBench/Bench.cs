using System.Globalization;
using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Testing;

namespace Atelier.SchedulerBench;

/// <summary>
/// Runs one sweep of near-zero-length trials on a real local cluster and measures what is left: the time
/// the scheduler (lease, assign, report, acknowledge, next request) takes between two trials of a slot.
/// </summary>
internal static class Bench
{
    private const int ShapeWarmupTrials = 100;
    /// <summary>The coordinator's JIT counts as settled when it compiles fewer methods than this during a shape warm-up.</summary>
    private const int SettledJitMethods = 250;
    /// <summary>At most this many shape warm-ups (on this VM, six or seven were needed): the JIT's count is printed either way.</summary>
    private const int MaxShapeWarmups = 15;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (BenchOptions.Parse(args, stderr) is not { } options)
            return args.Any(a => a is "-h" or "--help") ? 0 : 2;
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        if (RepoLayout.Configuration != "Release")
            stderr.WriteLine($"scheduler-bench: warning: this is a {RepoLayout.Configuration} build; use -c Release for numbers worth quoting");
        stderr.WriteLine($"scheduler-bench: starting a coordinator ({(options.Postgres ? "PostgreSQL" : "SQLite")} journal) and {options.Workers} workers × {options.Slots} CPU slots{(options.Tls ? ", mutual TLS on remoting" : "")} ({RepoLayout.Configuration})");
        using var certificates = options.Tls ? new TestCertificateAuthority("scheduler-bench-ca") : null;
        var certificateDirectory = Directory.CreateTempSubdirectory("atelier-bench-tls-").FullName;
        string[] tls = certificates is null ? [] : TestCertificateAuthority.Arguments(certificates.WriteNode(certificateDirectory, "node"));
        // Declared before the cluster, so disposed after it: the schema is dropped once the coordinator is gone.
        await using var postgres = options.Postgres ? await TestPostgres.CreateSchemaAsync("atelier_bench", cancel.Token) : null;
        await using var cluster = await LocalCluster.StartAsync(new LocalClusterOptions
        {
            Name = "bench",
            Workers = options.Workers,
            SlotsPerWorker = options.Slots,
            CoordinatorArguments = postgres is null ? tls : [.. tls, "--postgres", postgres.ConnectionString],
            WorkerArguments = tls,
        }, cancel.Token);
        // The nodes read their certificate files at start.
        Directory.Delete(certificateDirectory, recursive: true);

        BenchResult? result = null;
        try
        {
            await MeasureAsync();
        }
        catch (Exception) when (cancel.IsCancellationRequested)
        {
            // Ctrl+C: the cluster's processes are already killed (see ClusterProcess).
            stderr.WriteLine("scheduler-bench: interrupted");
            return 130;
        }

        Print(result!, stdout);
        if (options.Json)
            // A sample that is empty (an API probe not asked for) has NaN percentiles: written as "NaN".
            stdout.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions(ApiJson.Options)
            {
                NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            }));
        return result!.Failed == 0 ? 0 : 1;

        // On failure the exception carries the tail of every process's log, and the cluster's files are kept.
        Task MeasureAsync() => cluster.ExplainFailuresAsync(async () =>
        {
            // Warm-up, so that what the measured sweep shows is a running cluster, not a starting one: a coordinator normally
            // runs for days. First many trials that take no time, until tiered compilation has moved the scheduling path
            // to optimised code: with 100 trials only, the three processes' background JIT threads still took 43 % of
            // this 2-core VM's CPU during the measured sweep and its slot idle gap p99 rose from ~50 to ~125 ms
            // (docs/benchmarks.md, "Warm-up and the JIT"). Then sweeps of the measured shape, for its metric path, until
            // the coordinator compiles fewer than SettledJitMethods methods during one: after a single one, it still
            // compiled 8,000 methods during the measured sweep, 41 % of its CPU samples (docs/benchmarks.md, "The JIT
            // under metrics, and snapshots in their own file").
            if (options.WarmupTrials > 0) await WarmUpAsync("scheduler-bench-warmup", options.WarmupTrials, 1, 0);
            if (options.Steps > 1 || options.StepMilliseconds > 0)
            {
                for (var round = 1; ; round++)
                {
                    var compiledBefore = await CoordinatorJit.ReadAsync(cluster.Http, cancel.Token);
                    await WarmUpAsync("scheduler-bench-warmup-shape", ShapeWarmupTrials, options.Steps, options.StepMilliseconds);
                    var compiled = (await CoordinatorJit.ReadAsync(cluster.Http, cancel.Token)).Since(compiledBefore);
                    stderr.WriteLine($"scheduler-bench: the coordinator compiled {compiled.Methods} methods meanwhile ({compiled.Seconds} s)");
                    if (compiled.Methods < SettledJitMethods || round == MaxShapeWarmups) break;
                }
            }

            stderr.WriteLine($"scheduler-bench: sweep of {options.Trials} trials");
            var cpuBefore = CpuTimes(cluster);
            var jitBefore = await CoordinatorJit.ReadAsync(cluster.Http, cancel.Token);
            var submitted = await cluster.SubmitAsync(Spec("scheduler-bench", options.Trials, options.Steps, options.StepMilliseconds), cancel.Token);
            using var probeStop = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
            var probe = ApiProbe.RunAsync(cluster.Http, submitted.Id, TimeSpan.FromMilliseconds(options.ProbeMilliseconds), probeStop.Token);
            SweepDto sweep;
            try
            {
                // Polled slowly: every poll serialises the whole sweep on the coordinator, which competes with the work.
                sweep = await cluster.WaitForSweepAsync(submitted.Id, options.Timeout, cancellationToken: cancel.Token,
                    interval: TimeSpan.FromSeconds(2));
            }
            finally
            {
                // Stopped however the wait ends, so it never outlives the cluster.
                await probeStop.CancelAsync();
            }
            var jit = (await CoordinatorJit.ReadAsync(cluster.Http, cancel.Token)).Since(jitBefore);
            result = Measure(sweep, cluster, options, cpuBefore, CpuTimes(cluster), jit, await probe);
        });

        async Task WarmUpAsync(string name, int trials, int steps, int stepMs)
        {
            stderr.WriteLine($"scheduler-bench: warm-up sweep of {trials} trials ({steps} steps of {stepMs} ms)");
            var warmup = await cluster.SubmitAsync(Spec(name, trials, steps, stepMs), cancel.Token);
            await cluster.WaitForSweepAsync(warmup.Id, options.Timeout, cancellationToken: cancel.Token);
        }
    }

    /// <summary>A random sweep of <paramref name="trials"/> trials of <paramref name="steps"/> steps of <paramref name="stepMs"/> ms.</summary>
    public static string Spec(string name, int trials, int steps, int stepMs) => $"""
        name: {name}
        job: synthetic
        method: random
        run_cap: {trials}
        seed: 1
        metric: {"{"}name: loss, goal: minimize{"}"}
        parameters:
          x: {"{"}distribution: uniform, min: -1, max: 1{"}"}
          y: {"{"}distribution: uniform, min: -1, max: 1{"}"}
          lr: {"{"}distribution: log_uniform_values, min: 0.0001, max: 0.1{"}"}
          steps: {"{"}value: {steps}{"}"}
          step_seconds: {"{"}value: {(stepMs / 1000.0).ToString(CultureInfo.InvariantCulture)}{"}"}
        """;

    private static BenchResult Measure(
        SweepDto sweep, LocalCluster cluster, BenchOptions options,
        IReadOnlyDictionary<string, TimeSpan> cpuBefore, IReadOnlyDictionary<string, TimeSpan> cpuAfter, CoordinatorJit jit,
        ApiProbe.Latencies api)
    {
        var seconds = (sweep.FinishedAt!.Value - sweep.CreatedAt).TotalSeconds;

        // Which slot ran the attempt that finished each trial: the API says so where it keeps a finished trial's
        // slot; the workers' logs say so in any case.
        var workerOf = cluster.Workers.ToDictionary(w => w.Address, w => w.Number);
        var slotOf = cluster.Workers
            .SelectMany(w => w.TrialsStarted(sweep.Id))
            .GroupBy(s => (s.Trial, s.Attempt))
            .ToDictionary(g => g.Key, g => $"worker-{g.Last().Worker}/{g.Last().Slot}");
        string? SlotOf(TrialDto t) =>
            t.Slot is { } slot && slot.LastIndexOf('/') is var cut and > 0 && workerOf.TryGetValue(slot[..cut], out var worker)
                ? $"worker-{worker}/{slot[(cut + 1)..]}"
                : slotOf.GetValueOrDefault((t.Index, t.Attempts));
        var gaps = new List<double>();
        var idle = new List<double>();
        var unmapped = 0;
        var bySlot = sweep.Trials
            .Select(t => (Trial: t, Slot: SlotOf(t)))
            .Where(x =>
            {
                if (x.Slot is null) unmapped++;
                return x.Slot is not null && x.Trial.FinishedAt is not null && x.Trial.StartedAt is not null;
            })
            .GroupBy(x => x.Slot!)
            .ToList();
        foreach (var slot in bySlot)
        {
            var ordered = slot.Select(x => x.Trial).OrderBy(t => t.FinishedAt).ToList();
            // Each slot's first trial is left out: its idle time includes the wait for the sweep to be submitted.
            for (var i = 1; i < ordered.Count; i++)
            {
                if (ordered[i].SlotIdleMs is { } ms) idle.Add(ms);
                // A retried trial's startedAt is its first lease, not this slot's start: no gap to measure.
                if (ordered[i].Attempts > 1) continue;
                gaps.Add((ordered[i].StartedAt!.Value - ordered[i - 1].FinishedAt!.Value).TotalMilliseconds);
            }
        }

        // The other half of a slot's cycle: from the lease (startedAt) to the recorded result (finishedAt). It holds
        // the job itself (one step: microseconds) and the messages and journal writes around it.
        var leaseToResult = Stats.Of(sweep.Trials
            .Where(t => t.Attempts == 1 && t.StartedAt is not null && t.FinishedAt is not null)
            .Select(t => (t.FinishedAt!.Value - t.StartedAt!.Value).TotalMilliseconds));

        // The ideal: every slot busy with trial work from submission to the end, nothing between trials.
        var ideal = (double)options.Trials * options.Steps * options.StepMilliseconds / 1000 / (options.Workers * options.Slots);
        var overhead = ideal > 0 ? Math.Round((seconds - ideal) / ideal * 100, 2) : (double?)null;
        var events = sweep.Trials.Where(t => t.Status == TrialStatus.Completed).Sum(t => (long)options.Steps);
        var cpu = cpuAfter.ToDictionary(kv => kv.Key, kv => Math.Round((kv.Value - cpuBefore.GetValueOrDefault(kv.Key)).TotalSeconds, 2));
        return new BenchResult(
            sweep.Id, options.Trials, options.WarmupTrials, options.Workers, options.Slots, RepoLayout.Configuration, Environment.ProcessorCount,
            Math.Round(seconds, 3), Math.Round(options.Trials / seconds, 1),
            options.Steps, options.StepMilliseconds, Math.Round(ideal, 3), overhead, Math.Round(events / seconds, 1),
            sweep.Counts.Completed, sweep.Counts.Failed, sweep.Trials.Count(t => t.Attempts > 1), unmapped,
            bySlot.ToDictionary(g => g.Key, g => g.Count()), Stats.Of(idle), Stats.Of(gaps), leaseToResult,
            Stats.Of(cluster.Workers.SelectMany(w => w.ResultLatencies(sweep.Id))), Stats.Of(api.Sweep), Stats.Of(api.Report), cpu, jit);
    }

    private static Dictionary<string, TimeSpan> CpuTimes(LocalCluster cluster) =>
        new[] { cluster.Coordinator }.Concat(cluster.Workers.Select(w => w.Process)).ToDictionary(p => p.Name, p => p.CpuTime);

    private static void Print(BenchResult r, TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        o.WriteLine();
        o.WriteLine(string.Create(c, $"Scheduler overhead: {r.Trials} synthetic trials ({r.Steps} steps of {r.StepMs} ms), {r.Workers} workers × {r.SlotsPerWorker} CPU slots, {r.Configuration}, {r.Cores} cores, after a warm-up of {r.WarmupTrials} zero-length trials"));
        o.WriteLine(string.Create(c, $"  sweep {r.SweepId}: {r.Completed} completed, {r.Failed} failed, {r.Retried} needed more than one attempt"));
        o.WriteLine(string.Create(c, $"  wall time (createdAt → finishedAt)  {r.Seconds:0.00} s"));
        o.WriteLine(string.Create(c, $"  throughput                          {r.TrialsPerSecond:0.0} trials/s, {r.MetricEventsPerSecond:0.0} metric events/s"));
        if (r.OverheadPercent is { } overhead)
            o.WriteLine(string.Create(c, $"  ideal wall time                     {r.IdealSeconds:0.00} s: overhead {overhead:0.00} %"));
        o.WriteLine(string.Create(c, $"  CPU seconds used during the sweep   {string.Join(", ", r.CpuSeconds.Select(kv => $"{kv.Key} {kv.Value:0.0}"))}"));
        o.WriteLine(string.Create(c, $"  coordinator JIT during the sweep    {r.CoordinatorJit.Methods} methods compiled, {r.CoordinatorJit.Seconds:0.00} s"));
        o.WriteLine(string.Create(c, $"  trials per slot                     {string.Join(", ", r.TrialsPerSlot.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value))}"));
        o.WriteLine();
        o.WriteLine($"  {"idle gap between two trials (ms)",-34} {"n",6} {"p50",9} {"p90",9} {"p99",9} {"max",9}");
        o.WriteLine(r.SlotIdleMs.Row("measured by the slot (slotIdleMs)"));
        o.WriteLine(r.CoordinatorGapMs.Row("coordinator: start − previous end"));
        o.WriteLine();
        o.WriteLine($"  {"one trial (ms)",-34} {"n",6} {"p50",9} {"p90",9} {"p99",9} {"max",9}");
        o.WriteLine(r.LeaseToResultMs.Row("coordinator: lease → result"));
        o.WriteLine(r.ResultAckMs.Row("slot: job end → result acknowledged"));
        if (r.ApiSweepMs.Count == 0) return; // no --probe-ms
        o.WriteLine();
        o.WriteLine($"  {"API while the sweep runs (ms)",-34} {"n",6} {"p50",9} {"p90",9} {"p99",9} {"max",9}");
        o.WriteLine(r.ApiSweepMs.Row("GET /api/sweeps/{id}"));
        o.WriteLine(r.ApiReportMs.Row("GET /api/sweeps/{id}/report.html"));
    }
}

/// <summary>What the benchmark measured (the JSON line of <c>--json</c>).</summary>
internal sealed record BenchResult(
    string SweepId, int Trials, int WarmupTrials, int Workers, int SlotsPerWorker, string Configuration, int Cores,
    double Seconds, double TrialsPerSecond, int Steps, int StepMs, double IdealSeconds, double? OverheadPercent,
    double MetricEventsPerSecond, int Completed, int Failed, int Retried, int UnmappedTrials,
    IReadOnlyDictionary<string, int> TrialsPerSlot, Stats SlotIdleMs, Stats CoordinatorGapMs, Stats LeaseToResultMs,
    Stats ResultAckMs, Stats ApiSweepMs, Stats ApiReportMs, IReadOnlyDictionary<string, double> CpuSeconds, CoordinatorJit CoordinatorJit);
