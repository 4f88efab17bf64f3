namespace Atelier.Shared.Jobs;

/// <summary>
/// A kind of job that workers can run: its parameters (in display order), the metrics it reports,
/// and which integer parameter counts its steps (epochs, iterations), so progress can be shown.
/// <see cref="MaxDevices"/> is the most devices one trial can use (<c>resources.gpus</c> may not ask for more).
/// </summary>
public sealed record JobDefinition(
    string Kind,
    string Summary,
    IReadOnlyList<JobParameter> Parameters,
    IReadOnlyList<string> Metrics,
    string? StepsParameter = null,
    int MaxDevices = 1)
{
    /// <summary>How many steps a trial with these parameters runs, when the job says which parameter counts them.</summary>
    public long? TotalSteps(IReadOnlyDictionary<string, Specs.ParamValue> parameters)
    {
        if (StepsParameter is null) return null;
        if (parameters.TryGetValue(StepsParameter, out var given) && given.Kind == ParamType.Int) return given.AsLong();
        return Find(StepsParameter)?.Default is { Kind: ParamType.Int } d ? d.AsLong() : null;
    }

    /// <summary>The parameter called <paramref name="name"/>, or null.</summary>
    public JobParameter? Find(string name) => Parameters.FirstOrDefault(p => p.Name == name);

    /// <summary>The parameter names, comma separated, for error messages.</summary>
    public string ParameterList => string.Join(", ", Parameters.Select(p => p.Name));
}
