namespace Atelier.Contracts.Specs;

/// <summary>
/// One problem in a sweep spec: the field path (e.g. <c>parameters.lr.min</c>), what is wrong with the value
/// and what is allowed, and the line in the YAML file when known.
/// </summary>
public sealed record SpecError(string Field, string Message, int? Line)
{
    /// <summary>e.g. <c>line 7: parameters.lr.min: -1 is not allowed: lr must be &gt; 0</c>.</summary>
    public override string ToString()
    {
        var where = Line is { } line ? $"line {line}: " : "";
        var field = Field.Length > 0 ? $"{Field}: " : "";
        return where + field + Message;
    }
}
