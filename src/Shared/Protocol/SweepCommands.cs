using Akka.Actor;
using Atelier.Contracts.Api;
using Atelier.Contracts.Specs;

namespace Atelier.Shared.Protocol;

/// <summary>Commands handled by a sweep entity.</summary>
public static class SweepCommands
{
    /// <summary>Create the sweep from a validated spec; replies <see cref="CreateSweepReply"/>.</summary>
    public sealed record CreateSweep(SweepId SweepId, SweepSpec Spec, string SpecYaml, long Seed, DateTimeOffset SubmittedAt)
        : IWithSweepId, ISweepCommand;

    /// <summary>Reply to <see cref="CreateSweep"/>: created, or why not.</summary>
    public sealed record CreateSweepReply(SweepId SweepId, bool Created, int Trials, string? Error) : IAtelierMessage;

    /// <summary>
    /// The broker asks the sweep to lease one pending trial to <paramref name="SlotRef"/>. The sweep
    /// answers the slot with <see cref="WorkerProtocol.AssignTrial"/>, or the broker with
    /// <see cref="WorkerProtocol.NoWork"/>. <paramref name="FreeDevices"/> and <paramref name="NodeDevices"/> are the
    /// request's (<see cref="WorkerProtocol.RequestWork"/>).
    /// </summary>
    public sealed record LeaseTrial(SweepId SweepId, SlotInfo Slot, IActorRef SlotRef, int FreeDevices = 1, int NodeDevices = 1) : IWithSweepId, ISweepCommand
    {
        public static LeaseTrial For(SweepId sweepId, WorkerProtocol.RequestWork request) =>
            new(sweepId, request.Slot, request.SlotRef, request.FreeDevices, request.NodeDevices);

        /// <summary>The slot's request this lease answers, for a <see cref="WorkerProtocol.NoWork"/>.</summary>
        public WorkerProtocol.RequestWork Request => new(Slot, SlotRef, 0, FreeDevices, NodeDevices);
    }

    /// <summary>
    /// Metrics of a running attempt; also renews its lease. Points may be empty (a heartbeat). The slot sends every
    /// point the sweep has not acknowledged yet (<see cref="WorkerProtocol.ProgressAck"/>), in step order, continuing
    /// the history after step <paramref name="After"/>: the last step the sweep acknowledged, or before that the step
    /// of the checkpoint the attempt resumed from (-1 when it started from scratch). A sweep that does not have every
    /// step up to <paramref name="After"/> records none of them (there would be a hole).
    /// </summary>
    public sealed record ReportProgress(SweepId SweepId, int TrialIndex, int Attempt, IReadOnlyList<MetricPoint> Points, long After = -1)
        : IWithSweepId, ISweepCommand;

    /// <summary>
    /// An attempt ended. The sweep acknowledges with <see cref="WorkerProtocol.FinishAck"/>.
    /// <paramref name="SlotIdleMs"/> is how long the slot sat idle before it started this attempt
    /// (null for its first), the scheduler's overhead as the slot saw it. <paramref name="Points"/> are the metrics
    /// not yet acknowledged, continuing after step <paramref name="After"/> as in <see cref="ReportProgress"/>.
    /// </summary>
    public sealed record FinishTrial(
        SweepId SweepId,
        int TrialIndex,
        int Attempt,
        TrialOutcome Outcome,
        IReadOnlyDictionary<string, double> FinalMetrics,
        string? Error,
        IReadOnlyList<MetricPoint> Points,
        double? SlotIdleMs = null,
        long After = -1) : IWithSweepId, ISweepCommand;

    /// <summary>
    /// Cancel the sweep: pending trials are cancelled, running ones are told to stop
    /// (<see cref="WorkerProtocol.StopTrial"/>); completed results stay. Replies <see cref="CancelSweepReply"/>.
    /// </summary>
    public sealed record CancelSweep(SweepId SweepId, string Reason) : IWithSweepId, ISweepCommand;

    /// <summary>Reply to <see cref="CancelSweep"/>: whether it changed anything, and what happened.</summary>
    public sealed record CancelSweepReply(SweepId SweepId, bool Cancelled, string Message) : IAtelierMessage;

    /// <summary>Pause: no new trials start; running ones finish. Replies <see cref="SweepControlReply"/>.</summary>
    public sealed record PauseSweep(SweepId SweepId) : IWithSweepId, ISweepCommand;

    /// <summary>Resume a paused sweep. Replies <see cref="SweepControlReply"/>.</summary>
    public sealed record ResumeSweep(SweepId SweepId) : IWithSweepId, ISweepCommand;

    /// <summary>
    /// Extend a sweep with a new spec of the same job, metric and method: a wider grid (only
    /// configurations it has not run yet are added), a larger run_cap, more retries or concurrency.
    /// Its history stays. Replies <see cref="SweepControlReply"/>.
    /// </summary>
    public sealed record ExtendSweep(SweepId SweepId, SweepSpec Spec, string SpecYaml) : IWithSweepId, ISweepCommand;

    /// <summary>Reply to pause, resume and extend: whether it changed anything, and what happened.</summary>
    public sealed record SweepControlReply(SweepId SweepId, bool Changed, string Message) : IAtelierMessage;

    /// <summary>A slot could not take an assigned trial (it was busy); the trial goes back to the queue.</summary>
    public sealed record RejectTrial(SweepId SweepId, int TrialIndex, int Attempt, string Reason) : IWithSweepId, ISweepCommand;
}
