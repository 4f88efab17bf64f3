using System.Globalization;

namespace Atelier.SchedulerBench;

/// <summary>The command line of the benchmark.</summary>
internal sealed record BenchOptions(
    int Trials, int Workers, int Slots, bool Json, TimeSpan Timeout, int Steps = 1, int StepMilliseconds = 0, bool Tls = false,
    bool Postgres = false, int ProbeMilliseconds = 0, int WarmupTrials = 5000)
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/SchedulerBench -- [--trials N] [--workers W] [--slots S]
               [--steps K] [--step-ms M] [--warmup T] [--timeout SECONDS] [--probe-ms P] [--tls] [--postgres] [--json]

        Starts a coordinator and W workers with S CPU slots each (defaults: 2 × 4), warms them up with a sweep of T
        trials that take no time (default 5000; 0: none) and, when K > 1 or M > 0, 100 trials of the measured shape, then
        submits a random sweep of N synthetic trials (default 2000) of K steps (default 1) that sleep M ms each (default 0) and report one
        metric per step, waits for it, and reports the throughput, the overhead against the ideal wall time
        (N × K × M / (W × S)), the metric events per second the coordinator took in, and the slots' idle gaps
        between trials. --tls runs every node with mutual TLS on remoting (a CA and a node certificate made for
        the run). --postgres journals in PostgreSQL (ATELIER_TEST_POSTGRES, else a private server started from the
        installed binaries) instead of SQLite. While the sweep runs, the sweep's API resource and its HTML report are
        fetched every P ms (default 0: never) and their latency reported. --json adds a final JSON line.
        """;

    public static BenchOptions? Parse(string[] args, TextWriter error)
    {
        var options = new BenchOptions(2000, 2, 4, false, TimeSpan.FromMinutes(10));
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--json")
            {
                options = options with { Json = true };
                continue;
            }
            if (arg == "--tls")
            {
                options = options with { Tls = true };
                continue;
            }
            if (arg == "--postgres")
            {
                options = options with { Postgres = true };
                continue;
            }
            if (arg is "-h" or "--help")
            {
                error.Write(Usage);
                return null;
            }
            (int Min, int Max)? range = arg switch
            {
                "--trials" => (1, Atelier.Contracts.Specs.SearchSpace.MaxTrials),
                "--workers" => (1, 16),
                "--slots" => (1, 64),
                "--timeout" => (1, 86_400),
                "--steps" => (1, 100_000),
                "--step-ms" => (0, 60_000),
                "--probe-ms" => (0, 3_600_000),
                "--warmup" => (0, Atelier.Contracts.Specs.SearchSpace.MaxTrials),
                _ => null,
            };
            if (range is not { } r)
            {
                error.WriteLine($"scheduler-bench: unknown option '{arg}'\n\n{Usage}");
                return null;
            }
            if (Number(args, ++i, r.Min, r.Max, error) is not { } n)
                return null;
            options = arg switch
            {
                "--trials" => options with { Trials = n },
                "--workers" => options with { Workers = n },
                "--slots" => options with { Slots = n },
                "--steps" => options with { Steps = n },
                "--step-ms" => options with { StepMilliseconds = n },
                "--probe-ms" => options with { ProbeMilliseconds = n },
                "--warmup" => options with { WarmupTrials = n },
                _ => options with { Timeout = TimeSpan.FromSeconds(n) },
            };
        }
        return options;
    }

    private static int? Number(string[] args, int i, int min, int max, TextWriter error)
    {
        if (i < args.Length && int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
            return n;
        error.WriteLine($"scheduler-bench: {args[i - 1]} needs a whole number from {min} to {max}");
        return null;
    }
}
