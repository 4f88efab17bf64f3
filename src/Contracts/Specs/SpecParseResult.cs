namespace Atelier.Contracts.Specs;

/// <summary>The outcome of parsing a spec: the spec when it is valid, otherwise every error found.</summary>
public sealed record SpecParseResult(SweepSpec? Spec, IReadOnlyList<SpecError> Errors)
{
    /// <summary>True when the spec parsed and has no errors.</summary>
    public bool IsValid => Spec is not null && Errors.Count == 0;

    /// <summary>All errors, one per line.</summary>
    public override string ToString() => IsValid ? "valid" : string.Join(Environment.NewLine, Errors);
}
