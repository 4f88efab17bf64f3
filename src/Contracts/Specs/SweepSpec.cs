namespace Atelier.Contracts.Specs;

/// <summary>
/// A validated sweep: which job to run, how to choose trials, and what to optimise.
/// <see cref="Parameters"/> keep the order of the spec file.
/// </summary>
/// <param name="RunCap">The most trials to run; required for random and bayes search, truncates a grid.</param>
/// <param name="MaxConcurrent">The most trials running at once; 0 means unlimited.</param>
/// <param name="Seed">The seed for random sampling; when null the coordinator picks and records one.</param>
/// <param name="MaxRetries">How many times a failed trial is retried.</param>
/// <param name="EarlyTerminate">The rule that stops unpromising trials early; null runs every trial to its end.</param>
/// <param name="Resources">What each trial reserves; null means one device.</param>
public sealed record SweepSpec(
    string Name,
    string Job,
    SearchMethod Method,
    MetricSpec Metric,
    IReadOnlyList<ParameterSpec> Parameters,
    int? RunCap,
    int MaxConcurrent,
    long? Seed,
    int MaxRetries,
    EarlyTerminateSpec? EarlyTerminate = null,
    CheckpointSpec? Checkpoints = null,
    ResourcesSpec? Resources = null)
{
    /// <summary>How many devices each trial reserves on one node (<c>resources.gpus</c>, 1 when the spec does not say).</summary>
    public int DevicesPerTrial => Resources?.Gpus ?? 1;

    /// <summary>The checkpoint retention in force: <see cref="Checkpoints"/>, or the default when the spec has none.</summary>
    public CheckpointSpec Retention => Checkpoints ?? CheckpointSpec.Default;

    /// <summary>The default of <see cref="MaxRetries"/> when a spec does not say.</summary>
    public const int DefaultMaxRetries = 2;

    /// <summary>The largest <see cref="MaxRetries"/> allowed.</summary>
    public const int MaxMaxRetries = 10;
}
