namespace Atelier.Contracts.Api;

/// <summary>Named metric values a job reported at one step (epoch, iteration).</summary>
public sealed record MetricPoint(long Step, IReadOnlyDictionary<string, double> Values);
