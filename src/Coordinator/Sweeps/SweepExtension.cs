using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Sweeps;

/// <summary>Which trials an extended spec adds to a sweep that already has <c>existing</c> ones.</summary>
public static class SweepExtension
{
    public static IReadOnlyList<TrialPlan> NewTrials(SweepSpec spec, long seed, IReadOnlyList<TrialState> existing)
    {
        var next = existing.Count;
        // A bayes sweep suggests its trials as it goes: a larger run_cap is all an extension needs.
        if (spec.Method == SearchMethod.Bayes) return [];
        if (spec.Method == SearchMethod.Grid)
        {
            // A grid never runs a configuration twice: only combinations not already in the sweep are added.
            var seen = existing.Select(t => Key(t.Parameters)).ToHashSet(StringComparer.Ordinal);
            return SearchSpace.Expand(spec, seed)
                .Where(p => seen.Add(Key(p.Parameters)))
                .Select(p => p with { Index = next++ })
                .ToList();
        }
        // Random draws come from one stream seeded by the sweep's seed: a larger run_cap continues the same sequence.
        return SearchSpace.Expand(spec, seed).Skip(existing.Count).Select(p => p with { Index = next++ }).ToList();
    }

    private static string Key(IReadOnlyDictionary<string, ParamValue> parameters) =>
        string.Join("\u001f", parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value.Kind}:{kv.Value}"));
}
