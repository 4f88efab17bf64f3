using System.Globalization;
using System.Text.Json;
using Atelier.Testing;
using Atelier.Testing.Chaos;

const string usage = """
    Usage: dotnet run -c Release --project bench/ChaosBench -- [--seed N] [--minutes M] [--faults N]
           [--journal sqlite|postgres] [--coordinators C] [--workers W] [--slots S] [--lease SECONDS]
           [--only KIND,KIND…] [--synthetic-only] [--checkpoint-mb MB] [--keep] [--json]

    Starts a local cluster (C coordinators — 1 on SQLite, up to 3 on PostgreSQL — and W workers of S CPU slots),
    runs several sweeps at once (grid, random with early termination, bayes on the synthetic job; tiny cifar-vgg19
    and style-transfer sweeps unless --synthetic-only), injects faults at seeded random moments for M minutes
    (or until N faults), heals, restarts everything once more and checks every invariant: each trial terminal
    exactly once, histories without a hole or a duplicate and equal to an uninterrupted run's, final metrics
    exact, every kept checkpoint in the store with its SHA-256, nothing unreferenced after a collector round, the
    journal replaying to the same state. Exit 0 when all hold; 1 with the seed and the fault schedule otherwise.
    A process that exits by itself (a downed coordinator exits with 3) is started again, as its supervisor
    would, and listed in the summary.

    Faults (--only): KillWorker, KillHostCoordinator, KillCoordinator, TermWorker, TermCoordinator, PauseWorker,
    DiskFull (root only: the store is a tmpfs), PowerLoss. PostgreSQL: ATELIER_TEST_POSTGRES, else the local
    server's role atelier/atelier and database atelier_test (a schema of its own per run).
    """;

var options = new ChaosOptions { Output = Console.Out };
var json = false;
var journal = "sqlite";
int? coordinators = null;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
        int Int(int min, int max)
        {
            var name = args[i];
            var text = Next();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                ? n : throw new FormatException($"{name} needs a whole number from {min} to {max}, not '{text}'");
        }
        switch (args[i])
        {
            case "--seed": options = options with { Seed = long.Parse(Next(), CultureInfo.InvariantCulture) }; break;
            case "--minutes": options = options with { Duration = TimeSpan.FromMinutes(Int(1, 24 * 60)) }; break;
            case "--faults": options = options with { MaxFaults = Int(1, 100_000) }; break;
            case "--journal":
                journal = Next();
                if (journal is not ("sqlite" or "postgres")) throw new FormatException($"--journal is sqlite or postgres, not '{journal}'");
                break;
            case "--coordinators": coordinators = Int(1, 3); break;
            case "--workers": options = options with { Workers = Int(1, 8) }; break;
            case "--slots": options = options with { SlotsPerWorker = Int(1, 8) }; break;
            case "--lease": options = options with { LeaseTimeout = TimeSpan.FromSeconds(Int(2, 600)) }; break;
            case "--checkpoint-mb":
                options = options with { CheckpointMegabytes = double.Parse(Next(), CultureInfo.InvariantCulture) };
                break;
            case "--only":
                options = options with { Faults = Next().Split(',').Select(k => Enum.TryParse<FaultKind>(k, true, out var kind) ? kind : throw new FormatException($"unknown fault '{k}'; known: {string.Join(", ", Enum.GetNames<FaultKind>())}")).ToList() };
                break;
            case "--synthetic-only": options = options with { AllJobs = false }; break;
            case "--keep": options = options with { KeepFiles = true }; break;
            case "--json": json = true; break;
            case "-h" or "--help":
                Console.Error.Write(usage);
                return 0;
            default: throw new FormatException($"unknown option '{args[i]}'");
        }
    }
    if (journal == "sqlite" && coordinators is > 1) throw new FormatException("several coordinators need the postgres journal");
}
catch (FormatException e)
{
    Console.Error.WriteLine($"chaos-bench: {e.Message}\n\n{usage}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
TestPostgres? postgres = null;
try
{
    if (journal == "postgres")
    {
        postgres = await TestPostgres.CreateSchemaAsync("atelier_chaos", cancel.Token);
        options = options with { Postgres = postgres.ConnectionString, Coordinators = coordinators ?? 3 };
    }
    var result = await ChaosRun.RunAsync(options, cancel.Token);
    if (json)
    {
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            bench = "chaos",
            passed = result.Passed,
            seed = options.Seed,
            journal = options.Journal,
            coordinators = options.Coordinators,
            workers = options.Workers,
            minutes = result.Elapsed.TotalMinutes,
            faults = result.Faults.GroupBy(f => f.Kind.ToString()).ToDictionary(g => g.Key, g => g.Count()),
            report = result.Report,
            self_exits = result.SelfExits,
            error = result.Error,
        }));
    }
    return result.Passed ? 0 : 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("chaos-bench: interrupted");
    return 130;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"chaos-bench: {e.Message}");
    return 1;
}
finally
{
    if (postgres is not null) await postgres.DisposeAsync();
}
