using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Protocol;

/// <summary>Messages between worker slots, the work broker and sweeps (work pulling).</summary>
public static class WorkerProtocol
{
    /// <summary>
    /// An idle slot asks the broker for a trial, re-sending the same <paramref name="Sequence"/> until
    /// a trial arrives; the next request after a trial has a new one, so the broker drops repeats.
    /// <paramref name="FreeDevices"/> of the <paramref name="NodeDevices"/> slots of the slot's node (itself included)
    /// are free: a trial needing more devices (<c>resources.gpus</c>) cannot start from this request.
    /// </summary>
    public sealed record RequestWork(SlotInfo Slot, IActorRef SlotRef, long Sequence = 0, int FreeDevices = 1, int NodeDevices = 1) : IAtelierMessage;

    /// <summary>A sweep tells the broker it has trials to lease.</summary>
    public sealed record WorkAvailable(SweepId SweepId) : IAtelierMessage;

    /// <summary>
    /// A sweep could not serve <paramref name="Request"/>; the broker tries another sweep. With
    /// <paramref name="DevicesNeeded"/> &gt; 0 the sweep has trials, but each needs that many free devices on one node,
    /// more than the request offered; otherwise it has nothing to lease.
    /// </summary>
    public sealed record NoWork(SweepId SweepId, RequestWork Request, int DevicesNeeded = 0) : IAtelierMessage;

    /// <summary>
    /// A sweep leases one trial attempt to a slot: the job, its parameters, the last step recorded
    /// and the stored checkpoints to resume from (newest first; an older one if the newest is damaged).
    /// The slot reserves <paramref name="Devices"/> devices of its node (itself and free others) for the attempt.
    /// </summary>
    public sealed record AssignTrial(
        SweepId SweepId,
        int TrialIndex,
        int Attempt,
        string Job,
        IReadOnlyDictionary<string, ParamValue> Parameters,
        long LastStep,
        IReadOnlyList<ArtifactInfo>? Checkpoints = null,
        int Devices = 1) : IAtelierMessage;

    /// <summary>The sweep asks the slot running this attempt to stop it (cancellation, early stopping).</summary>
    public sealed record StopTrial(SweepId SweepId, int TrialIndex, int Attempt, string Reason) : IAtelierMessage;

    /// <summary>
    /// A slot's periodic report to the broker (every request interval): what it is doing, whether it
    /// drains, and its utilisation (busy share, exponentially averaged over about a minute).
    /// </summary>
    public sealed record SlotStatus(
        SlotInfo Slot,
        IActorRef SlotRef,
        bool Busy,
        bool Draining,
        SweepId? SweepId,
        int? TrialIndex,
        int? Attempt,
        long? Step,
        double Utilisation) : IAtelierMessage;

    /// <summary>Finish the current trial, then take no more work (the broker tells every slot of a drained node).</summary>
    public sealed record Drain(string Reason) : IAtelierMessage;

    /// <summary>Asks the broker for every live slot, grouped by node; replies <see cref="WorkersReply"/>.</summary>
    public sealed record GetWorkers : IAtelierMessage;

    public sealed record WorkersReply(IReadOnlyList<WorkerDto> Workers) : IAtelierMessage;

    /// <summary>Drain every slot of a node; replies <see cref="DrainNodeReply"/> with how many slots were told.</summary>
    public sealed record DrainNode(string Node) : IAtelierMessage;

    public sealed record DrainNodeReply(string Node, int Slots) : IAtelierMessage;

    /// <summary>
    /// The sweep has written the metrics of the attempt up to <paramref name="Through"/> to its journal: the slot stops
    /// re-sending them, and a checkpoint of a step up to there may now be uploaded (a resume from it leaves no hole).
    /// </summary>
    public sealed record ProgressAck(SweepId SweepId, int TrialIndex, int Attempt, long Through) : IAtelierMessage;

    /// <summary>The sweep has recorded the end of an attempt; the slot stops re-sending it.</summary>
    public sealed record FinishAck(SweepId SweepId, int TrialIndex, int Attempt) : IAtelierMessage;
}
