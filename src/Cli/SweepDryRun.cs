using System.Globalization;
using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Contracts.Text;
using Atelier.Contracts.Specs;

namespace Atelier.Cli;

/// <summary>
/// <c>pbm sweep submit FILE --dry-run</c> and <c>pbm sweep extend ID FILE --dry-run</c>: what the spec would be,
/// worked out locally with the coordinator's own expansion (nothing is uploaded or sent): the trial count, the inputs
/// it would upload, and the first trials. For an extension the coordinator is not asked either, so what the sweep
/// already ran is unknown: the spec's trials are shown, with what the coordinator would add of them.
/// </summary>
internal static class SweepDryRun
{
    /// <summary>How many trials are shown.</summary>
    public const int Shown = 10;

    /// <param name="Extends">The sweep an extension would extend (absent for submit).</param>
    internal sealed record DryRunDto(string Name, string Job, string Method, long Trials, long? Seed, IReadOnlyList<DryRunInputDto> Inputs,
        IReadOnlyList<TrialPlan> FirstTrials, string? Extends = null);

    internal sealed record DryRunInputDto(string Field, string Path, long Size, string Sha256);

    /// <param name="extends">The sweep that <c>pbm sweep extend</c> would extend; null for submit.</param>
    public static int Print(CommandContext context, LocalSpec local, string? extends = null)
    {
        var (file, spec, uploads) = (local.File, local.Spec, local.Uploads);
        var count = SearchSpace.TrialCount(spec);
        // Random and bayes draws depend on the seed; without one in the spec the coordinator picks it, so these are an example.
        var seed = spec.Seed ?? 0;
        var first = spec.Method == SearchMethod.Bayes
            ? Enumerable.Range(0, (int)Math.Min(Shown, count)).Select(i => new TrialPlan(i, SearchSpace.RandomDraw(spec, seed, i))).ToList()
            : SearchSpace.Expand(spec, seed).Take(Shown).ToList();
        var inputs = uploads.Files.OrderBy(kv => kv.Key.Start)
            .Select(kv => new DryRunInputDto(kv.Key.Field, kv.Value.Display, kv.Value.Size, kv.Value.Sha256)).ToList();

        if (context.Command.Json)
        {
            var method = SnakeCaseNames.Of(spec.Method);
            context.WriteJson(JsonSerializer.Serialize(new DryRunDto(spec.Name, spec.Job, method, count, spec.Seed, inputs, first, extends), ApiJson.Options));
            return ExitCodes.Ok;
        }

        var output = context.Out;
        if (extends is not null)
            output.WriteLine($"would extend sweep {extends} with this spec:");
        output.WriteLine($"{file}: sweep {spec.Name}, job {spec.Job}, method {SnakeCaseNames.Of(spec.Method)}: {Format.Count((int)count, "trial")}");
        if (inputs.Count > 0)
        {
            output.WriteLine($"inputs it would upload ({Format.Count(uploads.Distinct.Count, "file")}):");
            foreach (var input in inputs)
                output.WriteLine($"  {input.Field}: {input.Path} ({ByteSizes.Format(input.Size)}, sha256:{input.Sha256})");
        }
        if (extends is not null)
            output.WriteLine(ExtensionNote(spec.Method, extends));
        else if (spec.Method != SearchMethod.Grid && spec.Seed is null)
            output.WriteLine("the spec sets no seed: the coordinator picks one, so the trials below are an example (seed 0)");
        if (spec.Method == SearchMethod.Bayes)
            output.WriteLine("bayes: the first trials are random draws; later ones are suggested from the results");
        output.WriteLine();

        var names = spec.Parameters.Select(p => p.Name).ToList();
        var table = new Table([new Column("#", Align.Right), .. names.Select(n => new Column(n))]);
        foreach (var trial in first)
        {
            table.AddRow([trial.Index.ToString(CultureInfo.InvariantCulture),
                .. names.Select(n => (Cell)(trial.Parameters.TryGetValue(n, out var v) ? Format.Value(v) : Format.None))]);
        }
        table.Write(output, context.Styler);
        if (count > first.Count) output.WriteLine($"... and {count - first.Count} more");
        output.WriteLine();
        output.WriteLine(extends is null ? "dry run: nothing was uploaded or submitted" : "dry run: nothing was uploaded or sent");
        return ExitCodes.Ok;
    }

    /// <summary>Which of the spec's trials the coordinator would add to the sweep (<c>SweepExtension</c>'s rules).</summary>
    private static string ExtensionNote(SearchMethod method, string id) => method switch
    {
        SearchMethod.Grid => $"the coordinator adds only the configurations below that sweep {id} has not run; none runs twice",
        SearchMethod.Random => $"the coordinator continues sweep {id}'s random sequence (drawn with the sweep's seed) up to this run_cap; the draws below are an example",
        _ => $"bayes: the coordinator plans no trials; sweep {id} suggests more from all its results, up to this run_cap",
    };
}
