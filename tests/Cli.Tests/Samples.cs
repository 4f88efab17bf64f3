using System.Text.Json;
using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;

namespace Atelier.Cli.Tests;

/// <summary>DTOs in the documented shape, and their JSON as the coordinator writes it.</summary>
internal static class Samples
{
    public static readonly DateTimeOffset Created = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public const string ValidSpec = """
        name: synthetic-grid
        job: synthetic
        method: grid
        metric: {name: loss, goal: minimize}
        parameters:
          x: {values: [0.1, 0.3]}
          lr: {value: 0.01}
        """;

    public static TrialDto Trial(int index, TrialStatus status, double x, long steps, double? loss, double? acc = null,
        string? error = null, int attempts = 1)
    {
        var metrics = new Dictionary<string, double>();
        if (acc is { } a) metrics["acc"] = a;
        if (loss is { } l) metrics["loss"] = l;
        return new TrialDto(index, status,
            new Dictionary<string, ParamValue> { ["x"] = ParamValue.Of(x), ["steps"] = ParamValue.Of(steps), ["opt"] = ParamValue.Of("adam") },
            attempts, status == TrialStatus.Pending ? null : "slot-1", metrics, error,
            status == TrialStatus.Pending ? null : Created.AddSeconds(1), null, null);
    }

    public static SweepDto Sweep(SweepStatus status = SweepStatus.Completed)
    {
        var trials = new List<TrialDto>
        {
            // Out of order on purpose: the table sorts by index.
            Trial(2, TrialStatus.Failed, 0.5, 10, null, error: "CUDA out of memory.\nTried to allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity; 75.01 GiB already allocated)", attempts: 3),
            Trial(0, TrialStatus.Completed, 0.1, 5, 0.123456789, acc: 0.91),
            Trial(1, TrialStatus.Completed, 0.3, 5, 1.5e-7, acc: 0.94),
            Trial(10, status == SweepStatus.Completed ? TrialStatus.Completed : TrialStatus.Running, 1234567.0, 100, 12345678.9),
        };
        var best = trials[2];
        return new SweepDto("synthetic-grid-20260102-abc123", "synthetic-grid", "synthetic", "grid",
            new MetricSpec("loss", MetricGoal.Minimize), status,
            new TrialCountsDto(4, 0, status == SweepStatus.Completed ? 0 : 1, status == SweepStatus.Completed ? 3 : 2, 1),
            best, Created, status == SweepStatus.Completed ? Created.AddMinutes(3).AddSeconds(12) : null, ValidSpec, trials);
    }

    public static List<SweepSummaryDto> Summaries() =>
    [
        new("wd-sweep-20260102-000001", "wd-sweep", "cifar-vgg19", "random", SweepStatus.Running,
            new TrialCountsDto(9, 1, 1, 5, 2), 0.941449, Created.AddHours(1)),
        new("synthetic-grid-20260102-abc123", "synthetic-grid", "synthetic", "grid", SweepStatus.Completed,
            new TrialCountsDto(12, 0, 0, 12, 0), 1.5e-7, Created),
        new("s-20260102-000002", "s", "synthetic", "grid", SweepStatus.Running,
            new TrialCountsDto(3, 3, 0, 0, 0), null, Created.AddHours(2)),
    ];

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, ApiJson.Options);

    public static string ApiErrorJson(string message, params ApiErrorDetail[] details) =>
        Json(new ApiError(message, details.Length == 0 ? null : details));
}
