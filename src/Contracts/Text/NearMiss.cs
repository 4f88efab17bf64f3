namespace Atelier.Contracts.Text;

/// <summary>"Did you mean" for a mistyped word: the nearest known word within two edits.</summary>
public static class NearMiss
{
    /// <summary>" (did you mean 'x'?)" for a near miss among <paramref name="known"/>, else "".</summary>
    public static string Suggest(string word, IEnumerable<string> known)
    {
        var best = known.MinBy(k => Distance(word, k));
        return best is not null && Distance(word, best) <= 2 ? $" (did you mean '{best}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
