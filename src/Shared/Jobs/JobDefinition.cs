namespace Atelier.Shared.Jobs;

/// <summary>A kind of job that workers can run: its parameters (in display order) and the metrics it reports.</summary>
public sealed record JobDefinition(
    string Kind,
    string Summary,
    IReadOnlyList<JobParameter> Parameters,
    IReadOnlyList<string> Metrics)
{
    /// <summary>The parameter called <paramref name="name"/>, or null.</summary>
    public JobParameter? Find(string name) => Parameters.FirstOrDefault(p => p.Name == name);

    /// <summary>The parameter names, comma separated, for error messages.</summary>
    public string ParameterList => string.Join(", ", Parameters.Select(p => p.Name));
}
