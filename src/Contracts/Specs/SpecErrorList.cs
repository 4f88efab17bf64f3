namespace Atelier.Contracts.Specs;

/// <summary>
/// Collects spec errors, giving each the line of its field (or of the nearest enclosing field) when the
/// spec came from YAML.
/// </summary>
internal sealed class SpecErrorList(IReadOnlyDictionary<string, int>? lines = null)
{
    private readonly List<SpecError> _errors = [];

    public int Count => _errors.Count;

    public void Add(string field, string message) => _errors.Add(new SpecError(field, message, LineOf(field)));

    public void Add(string field, string message, int? line) => _errors.Add(new SpecError(field, message, line));

    /// <summary>The line of <paramref name="field"/>, else of its parent (<c>parameters.x.values[1]</c> → <c>parameters.x.values</c> → …).</summary>
    public int? LineOf(string field)
    {
        if (lines is null)
            return null;
        var path = field;
        while (path.Length > 0)
        {
            if (lines.TryGetValue(path, out var line))
                return line;
            var cut = path.LastIndexOfAny(['.', '[']);
            path = cut < 0 ? "" : path[..cut];
        }
        return null;
    }

    /// <summary>The errors in file order (errors without a line last), otherwise in the order found.</summary>
    public IReadOnlyList<SpecError> ToList() => _errors.OrderBy(e => e.Line ?? int.MaxValue).ToList();
}
