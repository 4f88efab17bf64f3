namespace Atelier.Contracts.Api;

/// <summary><c>GET /api/cluster</c>: the members as the answering coordinator sees them.</summary>
public sealed record ClusterDto(string Self, string? Leader, IReadOnlyList<MemberDto> Members);

/// <summary>One cluster member: address, roles, status and whether this node can reach it.</summary>
public sealed record MemberDto(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable);

/// <summary>Body of <c>POST /api/cluster/leave</c>, <c>/down</c> and <c>POST /api/workers/drain</c>.</summary>
public sealed record AddressRequest(string Address);

/// <summary>The answer to <c>POST /api/cluster/leave</c> and <c>/down</c>: the node and what was done to it.</summary>
public sealed record ClusterActionDto(string Address, string Message);

/// <summary>The answer to <c>POST /api/workers/drain</c>: the node and how many of its slots were told to drain.</summary>
public sealed record DrainDto(string Node, int Slots, string Message);

/// <summary>One worker node of <c>GET /api/workers</c> with its slots.</summary>
public sealed record WorkerDto(string Node, bool Draining, IReadOnlyList<SlotDto> Slots);

/// <summary>
/// One slot: its device, what it runs (sweep, trial, attempt, last step) and the share of the
/// last minute or so it spent busy.
/// </summary>
public sealed record SlotDto(
    string SlotId,
    string Device,
    string State,
    string? SweepId,
    int? TrialIndex,
    int? Attempt,
    long? Step,
    double Utilisation,
    DateTimeOffset LastSeen);
