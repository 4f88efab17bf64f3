using System.Text.Json;
using Atelier.Contracts.Api;

namespace Atelier.Cli.Tests;

/// <summary>Cluster and worker DTOs in the documented shape.</summary>
internal static class ClusterSamples
{
    public const string Coordinator = "akka.tcp://atelier@10.0.0.5:4053";
    public const string Worker1 = "akka.tcp://atelier@10.0.0.6:4053";
    public const string Worker2 = "akka.tcp://atelier@gpu-box-2:4054";

    public static readonly DateTimeOffset Seen = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static ClusterDto Cluster(string? leader = Coordinator) => new(Coordinator, leader,
    [
        new MemberDto(Coordinator, ["coordinator"], "Up", true),
        new MemberDto(Worker1, ["gpu-worker"], "Up", true),
        new MemberDto(Worker2, ["gpu-worker"], "WeaklyUp", false),
    ]);

    public static List<WorkerDto> Workers() =>
    [
        new(Worker1, false,
        [
            new SlotDto("slot-0", "cuda:0", "busy", "synthetic-grid-20260102-abc123", 3, 1, 1200, 0.734, Seen),
            new SlotDto("slot-1", "cuda:1", "idle", null, null, null, null, 0, Seen),
        ]),
        new(Worker2, true,
        [
            new SlotDto("slot-0", "cpu", "busy (draining)", "wd-sweep-20260102-000001", 12, 2, 40, 0.996, Seen),
            new SlotDto("slot-1", "cpu", "drained", null, null, null, null, 0.05, Seen),
        ]),
    ];

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, ApiJson.Options);

    public static string Error(string message) => Json(new ApiError(message));
}
