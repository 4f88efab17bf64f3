using Atelier.Contracts.Api;
using Atelier.Shared.Protocol;
using Atelier.Contracts.Specs;

namespace Atelier.Coordinator.Tests.Reports;

/// <summary>Sweeps as the API shows them, built by hand for the report tests.</summary>
internal static class ReportSamples
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static SweepDto Sweep(string yaml, IReadOnlyList<TrialDto> trials, SweepStatus status = SweepStatus.Completed, int? best = null)
    {
        var spec = Sweeps.Specs.Parse(yaml);
        int Count(TrialStatus s) => trials.Count(t => t.Status == s);
        var bestTrial = best is { } b ? trials.First(t => t.Index == b) : null;
        return new SweepDto($"{spec.Name}-20260102-abc123", spec.Name, spec.Job, spec.Method.ToString().ToLowerInvariant(), spec.Metric, status,
            new TrialCountsDto(trials.Count, Count(TrialStatus.Pending), Count(TrialStatus.Running), Count(TrialStatus.Completed),
                Count(TrialStatus.Failed), Count(TrialStatus.Cancelled), Count(TrialStatus.Stopped)),
            bestTrial, T0, status == SweepStatus.Running ? null : T0.AddMinutes(10), yaml, trials);
    }

    public static TrialDto Trial(int index, TrialStatus status, IReadOnlyDictionary<string, ParamValue> parameters,
        IReadOnlyDictionary<string, double>? metrics = null, double? runSeconds = null, long? lastStep = null,
        IReadOnlyList<MetricPoint>? history = null, IReadOnlyList<ArtifactInfo>? artifacts = null)
    {
        DateTimeOffset? start = runSeconds is null && status == TrialStatus.Pending ? null : T0.AddSeconds(index);
        DateTimeOffset? end = runSeconds is { } r && status != TrialStatus.Running ? start!.Value.AddSeconds(r) : null;
        return new TrialDto(index, status, parameters, 1, null, metrics ?? new Dictionary<string, double>(), null, start, end,
            history ?? [], null, lastStep, artifacts);
    }

    public static Dictionary<string, ParamValue> P(params (string Name, object Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value switch
        {
            double d => ParamValue.Of(d),
            int i => ParamValue.Of((long)i),
            long l => ParamValue.Of(l),
            string s => ParamValue.Of(s),
            bool b => ParamValue.Of(b),
            _ => throw new ArgumentException(v.Value.ToString()),
        });

    public const string StyleYaml = """
        name: style-grid
        job: style-transfer
        method: grid
        metric: {name: total_loss, goal: minimize}
        parameters:
          content_weight: {values: [0.1, 1.0, 10.0]}
          style_weight: {values: [1.0e4, 1.0e5, 1.0e6, 1.0e7]}
          tv_weight: {values: [0.0, 0.01]}
          iterations: {value: 10}
        """;

    /// <summary>The 24 trials of <see cref="StyleYaml"/>, each with a result picture and the losses.</summary>
    public static IReadOnlyList<TrialDto> StyleTrials()
    {
        var trials = new List<TrialDto>();
        var index = 0;
        foreach (var c in new[] { 0.1, 1.0, 10.0 })
        foreach (var s in new[] { 1e4, 1e5, 1e6, 1e7 })
        foreach (var tv in new[] { 0.0, 0.01 })
        {
            var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(index)));
            trials.Add(Trial(index, TrialStatus.Completed, P(("content_weight", c), ("style_weight", s), ("tv_weight", tv), ("iterations", 10)),
                new Dictionary<string, double> { ["content_loss"] = c, ["style_loss"] = 1 / s, ["tv_loss"] = tv, ["total_loss"] = c + s / 1e7 + tv },
                runSeconds: 5, lastStep: 10,
                artifacts: [new ArtifactInfo("result", 10, "result.png", sha, 100)]));
            index++;
        }
        return trials;
    }
}
