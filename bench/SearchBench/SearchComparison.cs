using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Atelier.Contracts.Jobs;
using Atelier.Shared.Search;
using Atelier.Contracts.Specs;

namespace Atelier.SearchBench;

/// <summary>Random vs bayes sweeps of the synthetic objective, called exactly as the sweep entity calls them.</summary>
internal static class SearchComparison
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static string SpecYaml(int trials) => $"""
        name: search-bench
        job: synthetic
        method: bayes
        run_cap: {trials}
        metric: {"{"}name: loss, goal: minimize{"}"}
        parameters:
          x: {"{"}distribution: uniform, min: -1, max: 1{"}"}
          y: {"{"}distribution: uniform, min: -1, max: 1{"}"}
          lr: {"{"}distribution: log_uniform_values, min: 1e-5, max: 1{"}"}
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (BenchOptions.Parse(args, error) is not { } options)
            return 2;
        var parsed = SweepSpecParser.Parse(SpecYaml(options.Trials));
        if (!parsed.IsValid)
        {
            error.WriteLine(parsed);
            return 1;
        }
        var bayesSpec = parsed.Spec!;
        var randomSpec = bayesSpec with { Method = SearchMethod.Random };
        var checkpoints = Enumerable.Range(1, options.Trials / 10).Select(k => k * 10)
            .Append(options.Trials).Distinct().ToArray();

        var randomBest = new List<double[]>();
        var bayesBest = new List<double[]>();
        var suggestTime = Stopwatch.StartNew();
        suggestTime.Stop();
        var suggestions = 0;
        for (var s = 0; s < options.Seeds; s++)
        {
            var seed = options.FirstSeed + s;
            var random = SearchSpace.Expand(randomSpec, seed).Select(t => Loss(t.Parameters)).ToList();

            var observed = new List<Observation>();
            for (var index = 0; index < options.Trials; index++)
            {
                suggestTime.Start();
                var parameters = BayesSearch.Suggest(bayesSpec, observed, seed, index);
                suggestTime.Stop();
                suggestions++;
                observed.Add(new Observation(parameters, Loss(parameters)));
            }
            randomBest.Add(BestAfter(random, checkpoints));
            bayesBest.Add(BestAfter(observed.Select(o => o.Value).ToList(), checkpoints));
        }

        var rows = checkpoints.Select((trials, c) => Row(trials, randomBest.Select(b => b[c]).ToList(), bayesBest.Select(b => b[c]).ToList())).ToList();
        var suggestMs = suggestTime.Elapsed.TotalMilliseconds / suggestions;
        Print(output, options, bayesSpec, rows, suggestMs);
        if (options.Json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                bench = "search",
                seeds = options.Seeds,
                first_seed = options.FirstSeed,
                trials = options.Trials,
                startup_trials = BayesSearch.StartupTrials(bayesSpec),
                checkpoints = rows,
                suggest_ms_mean = Math.Round(suggestMs, 4),
            }, JsonOptions));
        }
        return 0;
    }

    /// <summary>One checkpoint: the best loss after <c>trials</c> trials, over the seeds.</summary>
    internal sealed record Checkpoint(
        int Trials, double RandomMedian, double RandomMean, double BayesMedian, double BayesMean,
        double BayesBetterShare, double TieShare);

    private static Checkpoint Row(int trials, List<double> random, List<double> bayes)
    {
        var better = random.Zip(bayes).Count(p => p.Second < p.First);
        var ties = random.Zip(bayes).Count(p => p.Second == p.First);
        return new Checkpoint(trials, Median(random), random.Average(), Median(bayes), bayes.Average(),
            (double)better / random.Count, (double)ties / random.Count);
    }

    private static void Print(TextWriter output, BenchOptions options, SweepSpec spec, List<Checkpoint> rows, double suggestMs)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(inv,
            $"search bench: {options.Seeds} seeds from {options.FirstSeed}, {options.Trials} sequential trials each, "
            + $"bayes starts with {BayesSearch.StartupTrials(spec)} random draws (the same as random search's)"));
        output.WriteLine("best loss after | random median | random mean | bayes median | bayes mean | bayes better | tie");
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(inv,
                $"{r.Trials,15} | {r.RandomMedian,13:F4} | {r.RandomMean,11:F4} | {r.BayesMedian,12:F4} | {r.BayesMean,10:F4} | {r.BayesBetterShare,12:P0} | {r.TieShare,3:P0}"));
        }
        output.WriteLine(string.Create(inv, $"mean time per bayes suggestion: {suggestMs:F3} ms"));
    }

    private static double Loss(IReadOnlyDictionary<string, ParamValue> p) =>
        SyntheticObjective.Loss(p["x"].AsDouble(), p["y"].AsDouble(), p["lr"].AsDouble());

    private static double[] BestAfter(List<double> losses, int[] checkpoints) =>
        checkpoints.Select(n => losses.Take(n).Min()).ToArray();

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
