namespace Atelier.Contracts.Jobs;

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
        return Resolve(parameters).TryGetValue(StepsParameter, out var steps) && steps.Kind == ParamType.Int ? steps.AsLong() : null;
    }

    /// <summary>
    /// The values a run uses: the given ones, then for the rest what the given (or default) value of a parameter with
    /// <see cref="JobParameter.Presets"/> sets, then the defaults. Parameters without a value stay out.
    /// </summary>
    public Dictionary<string, Specs.ParamValue> Resolve(IReadOnlyDictionary<string, Specs.ParamValue> given)
    {
        var values = new Dictionary<string, Specs.ParamValue>(given, StringComparer.Ordinal);
        foreach (var p in Parameters)
        {
            if (p.Presets is null) continue;
            var choice = given.TryGetValue(p.Name, out var v) ? v : p.Default;
            if (choice is not { Kind: ParamType.String } recipe || !p.Presets.TryGetValue(recipe.AsString(), out var preset)) continue;
            foreach (var (name, value) in preset) values.TryAdd(name, value);
        }
        foreach (var p in Parameters)
            if (p.Default is { } d) values.TryAdd(p.Name, d);
        return values;
    }

    /// <summary>The parameter called <paramref name="name"/>, or null.</summary>
    public JobParameter? Find(string name) => Parameters.FirstOrDefault(p => p.Name == name);

    /// <summary>The parameter names, comma separated, for error messages.</summary>
    public string ParameterList => string.Join(", ", Parameters.Select(p => p.Name));
}
