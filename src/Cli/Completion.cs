namespace Atelier.Cli;

/// <summary>
/// Tab completion for the interactive prompt, as pure functions: given the words typed so far, the words that may
/// come next (palettes, their commands, help topics, options).
/// </summary>
internal static class Completion
{
    /// <summary>What Tab does: <see cref="Insert"/> goes in at the cursor; <see cref="Candidates"/> are listed when nothing can be inserted and there is a choice.</summary>
    public sealed record Result(string Insert, IReadOnlyList<string> Candidates);

    /// <summary>The words that the prompt itself knows besides the palettes.</summary>
    public static readonly IReadOnlyList<string> PromptWords = ["help", "exit", "quit"];

    /// <summary>The valid words after <paramref name="words"/> that start with <paramref name="partial"/>, sorted.</summary>
    public static IReadOnlyList<string> Candidates(IReadOnlyList<string> words, string partial)
    {
        var typed = words.ToList();
        if (typed.Count > 0 && typed[0] == "pbm")
            typed.RemoveAt(0);
        if (typed.Count > 0 && typed[^1] == "--server")
            return [];

        // The words that choose the command: no options, no value of --server, no HOST:PORT first.
        var positional = new List<string>();
        for (var i = 0; i < typed.Count; i++)
        {
            if (typed[i] == "--server") i++;
            else if (!typed[i].StartsWith('-') && !(i == 0 && ServerAddress.LooksLikeServer(typed[i]))) positional.Add(typed[i]);
        }

        IEnumerable<string> next;
        if (partial.StartsWith('-'))
        {
            var own = positional.Count >= 2 && CommandCatalog.Find(positional[0], positional[1]) is { } command
                ? command.OwnOptions.Select(o => o.Name)
                : [];
            next = CommandOptions.EveryCommand.Select(o => o.Name).Concat(own);
            next = next.Where(o => !typed.Contains(o));
        }
        else
        {
            next = positional switch
            {
                [] => [.. CommandCatalog.Palettes, .. PromptWords],
                [var palette] when CommandCatalog.Palettes.Contains(palette) => CommandCatalog.CommandsOf(palette),
                ["help"] => CommandCatalog.Palettes,
                ["help", var palette] when CommandCatalog.Palettes.Contains(palette) => CommandCatalog.CommandsOf(palette),
                _ => [],
            };
        }

        return next.Where(w => w.StartsWith(partial, StringComparison.Ordinal)).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Tab with <paramref name="beforeCursor"/> typed: complete the word being typed, as far as it is unambiguous.</summary>
    public static Result Complete(string beforeCursor)
    {
        var words = beforeCursor.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var atWordStart = beforeCursor.Length == 0 || char.IsWhiteSpace(beforeCursor[^1]);
        var partial = atWordStart ? "" : words[^1];
        var candidates = Candidates(atWordStart ? words : words[..^1], partial);

        if (candidates.Count == 0)
            return new Result("", []);
        if (candidates.Count == 1)
            return new Result(candidates[0][partial.Length..] + " ", candidates);

        var common = candidates[0];
        foreach (var candidate in candidates.Skip(1))
        {
            var n = 0;
            while (n < common.Length && n < candidate.Length && common[n] == candidate[n]) n++;
            common = common[..n];
        }
        return new Result(common[partial.Length..], candidates);
    }
}
