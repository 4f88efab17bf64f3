namespace Atelier.Contracts.Specs;

/// <summary>The metric a sweep optimises and in which direction.</summary>
public sealed record MetricSpec(string Name, MetricGoal Goal);
