using System.Globalization;

namespace Atelier.SearchBench;

/// <summary>The command line of the benchmark.</summary>
internal sealed record BenchOptions(int Seeds, int Trials, long FirstSeed, bool Json)
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench/SearchBench -- [--seeds S] [--trials N] [--first-seed K] [--json]

        For each of S sweep seeds K, K+1, … (defaults: 50 seeds from 1), runs a sequential sweep of N trials
        (default 30) of the synthetic objective over x, y ∈ uniform[-1, 1] and lr ∈ log_uniform_values[1e-5, 1]
        with method random (SearchSpace.Expand) and with method bayes (BayesSearch.Suggest, each trial seeing every
        earlier result), and reports the best loss after every 10 trials. --json adds a final JSON line.
        """;

    public static BenchOptions? Parse(string[] args, TextWriter error)
    {
        var options = new BenchOptions(50, 30, 1, false);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--json")
            {
                options = options with { Json = true };
                continue;
            }
            if (arg is "-h" or "--help")
            {
                error.Write(Usage);
                return null;
            }
            (long Min, long Max)? range = arg switch
            {
                "--seeds" => (1, 100_000),
                "--trials" => (1, 1_000),
                "--first-seed" => (long.MinValue / 2, long.MaxValue / 2),
                _ => null,
            };
            if (range is not { } r)
            {
                error.WriteLine($"search-bench: unknown option '{arg}'\n\n{Usage}");
                return null;
            }
            if (++i >= args.Length || !long.TryParse(args[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                || n < r.Min || n > r.Max)
            {
                error.WriteLine($"search-bench: {arg} needs an integer between {r.Min} and {r.Max}");
                return null;
            }
            options = arg switch
            {
                "--seeds" => options with { Seeds = (int)n },
                "--trials" => options with { Trials = (int)n },
                _ => options with { FirstSeed = n },
            };
        }
        return options;
    }
}
