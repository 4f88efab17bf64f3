using System.Text.Json.Serialization;

namespace Atelier.Contracts.Specs;

/// <summary>Which rule stops unpromising trials early.</summary>
[JsonConverter(typeof(SnakeCaseLowerEnumConverter<EarlyTerminateType>))]
public enum EarlyTerminateType
{
    /// <summary>Asynchronous successive halving (ASHA): at each rung only the top 1/eta continue.</summary>
    Hyperband,
    /// <summary>Median stopping: stop a trial whose best is worse than the median of the others' running averages.</summary>
    Median,
}

/// <summary>
/// <c>early_terminate</c>: how and from which step unpromising trials are stopped. Steps are the job's own metric
/// steps (epochs, iterations). <see cref="Eta"/> and <see cref="MaxIter"/> are used by hyperband only,
/// <see cref="MinTrials"/> by median only; the other type keeps their defaults.
/// </summary>
/// <param name="MinIter">hyperband: the first rung; median: the first step at which a trial may be stopped.</param>
/// <param name="Eta">hyperband: rungs are MinIter·Eta^k and the top 1/Eta continue at each.</param>
/// <param name="MaxIter">hyperband: no rung above this step; null for no limit.</param>
/// <param name="MinTrials">median: how many other trials must have reached the step before any trial is stopped.</param>
public sealed record EarlyTerminateSpec(EarlyTerminateType Type, int MinIter, int Eta, int? MaxIter, int MinTrials)
{
    /// <summary>The default of <see cref="Eta"/>.</summary>
    public const int DefaultEta = 3;

    /// <summary>The default of <see cref="MinTrials"/>.</summary>
    public const int DefaultMinTrials = 3;

    /// <summary><c>{type: hyperband, min_iter, eta, max_iter}</c>.</summary>
    public static EarlyTerminateSpec Hyperband(int minIter, int eta = DefaultEta, int? maxIter = null) =>
        new(EarlyTerminateType.Hyperband, minIter, eta, maxIter, DefaultMinTrials);

    /// <summary><c>{type: median, min_iter, min_trials}</c>.</summary>
    public static EarlyTerminateSpec Median(int minIter, int minTrials = DefaultMinTrials) =>
        new(EarlyTerminateType.Median, minIter, DefaultEta, null, minTrials);
}
